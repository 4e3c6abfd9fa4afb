package idle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

const (
	login1     = "org.freedesktop.login1"
	login1Path = "/org/freedesktop/login1"
)

// errHintNeverSet marks a session whose desktop does not report idleness:
// an IdleHint that stays false would otherwise read as "active" forever.
var errHintNeverSet = errors.New("the session's idle hint was never set")

// logind reads the idle hint of the session this process belongs to.
type logind struct {
	conn *dbus.Conn

	mu      sync.Mutex
	session dbus.ObjectPath
}

func (l *logind) source() source {
	return source{name: "logind", idle: l.idle, res: l.conn}
}

func (l *logind) idle(ctx context.Context) (time.Duration, error) {
	path, err := l.sessionPath(ctx)
	if err != nil {
		return 0, err
	}
	var props map[string]dbus.Variant
	err = call(ctx, l.conn, login1, string(path), "org.freedesktop.DBus.Properties.GetAll", login1+".Session").Store(&props)
	if err != nil {
		return 0, err
	}
	hint, _ := props["IdleHint"].Value().(bool)
	mono, _ := props["IdleSinceHintMonotonic"].Value().(uint64)
	wall, _ := props["IdleSinceHint"].Value().(uint64)
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0, fmt.Errorf("read monotonic clock: %w", err)
	}
	return logindIdle(hint, mono, wall, time.Duration(ts.Nano()), time.Now())
}

// logindIdle turns the hint into an idle time. The since values are in
// microseconds; the monotonic one is preferred because it ignores clock
// changes.
func logindIdle(hint bool, sinceMono, sinceReal uint64, nowMono time.Duration, nowReal time.Time) (time.Duration, error) {
	if sinceMono == 0 && sinceReal == 0 {
		return 0, errHintNeverSet
	}
	if !hint {
		return 0, nil
	}
	var idle time.Duration
	if sinceMono != 0 {
		idle = nowMono - scaled(sinceMono, time.Microsecond)
	} else {
		idle = nowReal.Sub(time.UnixMicro(int64(min(sinceReal, 1<<62))))
	}
	return max(idle, 0), nil
}

// sessionPath finds the session once: the caller's own, or, for a process
// outside any session (a user service), the user's graphical session.
func (l *logind) sessionPath(ctx context.Context) (dbus.ObjectPath, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.session != "" {
		return l.session, nil
	}
	var path dbus.ObjectPath
	errPID := call(ctx, l.conn, login1, login1Path, login1+".Manager.GetSessionByPID", uint32(os.Getpid())).Store(&path)
	if errPID != nil {
		var user dbus.ObjectPath
		err := call(ctx, l.conn, login1, login1Path, login1+".Manager.GetUser", uint32(os.Getuid())).Store(&user)
		if err != nil {
			return "", fmt.Errorf("find session: by pid: %w; by user: %w", errPID, err)
		}
		var v dbus.Variant
		err = call(ctx, l.conn, login1, string(user), "org.freedesktop.DBus.Properties.Get", login1+".User", "Display").Store(&v)
		if err != nil {
			return "", fmt.Errorf("find graphical session: %w", err)
		}
		var display struct {
			ID   string
			Path dbus.ObjectPath
		}
		if err := v.Store(&display); err != nil {
			return "", fmt.Errorf("find graphical session: %w", err)
		}
		if display.ID == "" {
			return "", errors.New("no session for this process and no graphical session for the user")
		}
		path = display.Path
	}
	l.session = path
	return path, nil
}

// logindInhibitor reports a system-wide "idle" block inhibitor.
func logindInhibitor(conn *dbus.Conn) inhibitor {
	return inhibitor{name: "logind", res: conn, active: func(ctx context.Context) (bool, error) {
		var v dbus.Variant
		err := call(ctx, conn, login1, login1Path, "org.freedesktop.DBus.Properties.Get", login1+".Manager", "BlockInhibited").Store(&v)
		if err != nil {
			return false, err
		}
		what, ok := v.Value().(string)
		if !ok {
			return false, fmt.Errorf("BlockInhibited is %s, not a string", v.Signature())
		}
		return slices.Contains(strings.Split(what, ":"), "idle"), nil
	}}
}
