//go:build linux || freebsd || openbsd || netbsd || dragonfly

package notify

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"

	"sysmon/sessionbus"
)

// send calls org.freedesktop.Notifications.Notify (Desktop Notifications
// Specification 1.2) on a private connection, closed again at once: the
// daemon sends a notification only when a job ends. Without a session bus
// it fails rather than have dbus-launch start one that nobody ends.
func send(ctx context.Context, title, body string) error {
	conn, err := sessionbus.Open(ctx)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	defer conn.Close()
	obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
	call := obj.CallWithContext(ctx, "org.freedesktop.Notifications.Notify", 0,
		"sysmon", uint32(0), "", title, body, []string{}, map[string]dbus.Variant{}, int32(-1))
	if call.Err != nil {
		return fmt.Errorf("notify: %w", call.Err)
	}
	return nil
}
