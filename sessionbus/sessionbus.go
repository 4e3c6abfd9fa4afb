// Package sessionbus opens private connections to the user's D-Bus session
// bus without ever starting one. godbus's default runs dbus-launch where no
// bus runs, and the bus it starts outlives sysmon: one per start or per
// notification, until the machine runs out of inotify instances.
package sessionbus

import (
	"context"

	"github.com/godbus/dbus/v5"
)

// Open connects to the running session bus and says hello; where none runs
// it fails. The caller closes the connection.
func Open(ctx context.Context) (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if err = conn.Auth(nil); err == nil {
		err = conn.Hello()
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
