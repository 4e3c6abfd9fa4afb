//go:build !(linux || freebsd || openbsd || netbsd || dragonfly)

package notify

import (
	"context"
	"errors"
)

func send(context.Context, string, string) error {
	return errors.New("notify: desktop notifications from the daemon are not supported on this platform")
}
