package idle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

// openBus connects to one bus for Open, bounded like a probe. what names the
// bus in the error.
func openBus(ctx context.Context, what, address string) (*dbus.Conn, error) {
	if address == "" {
		return nil, errors.New(what + ": no address")
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	conn, err := dialBus(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return conn, nil
}

// dialBus opens a private connection to the bus at address. godbus's own
// Connect takes no context, so the socket is closed when ctx ends, which
// fails a handshake stuck on a hung bus.
func dialBus(ctx context.Context, address string) (*dbus.Conn, error) {
	conn, err := dbus.Dial(address)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = conn.Auth(nil)
	if err == nil {
		err = conn.Hello()
	}
	if !stop() {
		err = ctx.Err()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// call invokes a method without activating a service that is not running:
// only a live desktop's answer means anything here.
func call(ctx context.Context, conn *dbus.Conn, dest, path, method string, args ...any) *dbus.Call {
	return conn.Object(dest, dbus.ObjectPath(path)).CallWithContext(ctx, method, dbus.FlagNoAutoStart, args...)
}

func mutterSource(conn *dbus.Conn) source {
	return source{name: "gnome-mutter", res: conn, idle: func(ctx context.Context) (time.Duration, error) {
		var ms uint64
		err := call(ctx, conn, "org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core",
			"org.gnome.Mutter.IdleMonitor.GetIdletime").Store(&ms)
		if err != nil {
			return 0, err
		}
		return scaled(ms, time.Millisecond), nil
	}}
}

// screenSaverSource reads org.freedesktop.ScreenSaver at one object path;
// implementations differ on the path.
func screenSaverSource(conn *dbus.Conn, path string) source {
	return source{name: "freedesktop-screensaver", res: conn, idle: func(ctx context.Context) (time.Duration, error) {
		var s uint32
		err := call(ctx, conn, "org.freedesktop.ScreenSaver", path,
			"org.freedesktop.ScreenSaver.GetSessionIdleTime").Store(&s)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
		return time.Duration(s) * time.Second, nil
	}}
}

// gnomeIdleInhibitFlag is GSM_INHIBITOR_FLAG_IDLE.
const gnomeIdleInhibitFlag uint32 = 8

func gnomeInhibitor(conn *dbus.Conn) inhibitor {
	return inhibitor{name: "gnome-session", res: conn, active: func(ctx context.Context) (bool, error) {
		var on bool
		err := call(ctx, conn, "org.gnome.SessionManager", "/org/gnome/SessionManager",
			"org.gnome.SessionManager.IsInhibited", gnomeIdleInhibitFlag).Store(&on)
		return on, err
	}}
}

// kdeChangeScreenSettings is PowerDevil's PolicyAgent::ChangeScreenSettings,
// the policy an org.freedesktop.ScreenSaver Inhibit takes on KDE.
const kdeChangeScreenSettings uint32 = 4

func kdeInhibitor(conn *dbus.Conn) inhibitor {
	return inhibitor{name: "kde-powerdevil", res: conn, active: func(ctx context.Context) (bool, error) {
		var on bool
		err := call(ctx, conn, "org.kde.Solid.PowerManagement", "/org/kde/Solid/PowerManagement/PolicyAgent",
			"org.kde.Solid.PowerManagement.PolicyAgent.HasInhibition", kdeChangeScreenSettings).Store(&on)
		return on, err
	}}
}
