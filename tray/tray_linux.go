package tray

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"

	"sysmon/sessionbus"
)

// The StatusNotifierItem protocol: a watcher owns this name on the session
// bus and says whether a host (the panel that draws icons) registered.
const (
	watcherName = "org.kde.StatusNotifierWatcher"
	watcherPath = "/StatusNotifierWatcher"
)

func hostPresent(ctx context.Context) (bool, string) {
	conn, err := sessionbus.Open(ctx)
	if err != nil {
		return false, fmt.Sprintf("no session D-Bus: %v", err)
	}
	defer conn.Close()
	var owned bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&owned); err != nil {
		return false, fmt.Sprintf("session D-Bus: %v", err)
	}
	if !owned {
		return false, watcherName + " is not on the session bus (no tray host)"
	}
	var v dbus.Variant
	err = conn.Object(watcherName, watcherPath).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0,
		watcherName, "IsStatusNotifierHostRegistered").Store(&v)
	if err != nil {
		return false, fmt.Sprintf("%s: %v", watcherName, err)
	}
	if registered, ok := v.Value().(bool); !ok || !registered {
		return false, "no StatusNotifierHost registered with " + watcherName
	}
	return true, ""
}
