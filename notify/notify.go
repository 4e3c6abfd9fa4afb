// Package notify shows desktop notifications from processes without a
// window (sysmon daemon): the freedesktop.org notification service on the
// session D-Bus. The window uses Fyne's own notifications instead.
package notify

import (
	"context"
	"time"
)

// timeout bounds one notification: a missing or hung notification daemon
// must not hold up the job queue.
const timeout = 2 * time.Second

// Send shows a notification with title and body.
func Send(ctx context.Context, title, body string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return send(ctx, title, body)
}
