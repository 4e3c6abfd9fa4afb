//go:build !linux

package idle

import (
	"context"
	"errors"
)

// WatchWindow reports the user acting on an X11 window; X11 windows exist
// only on Linux here.
func WatchWindow(context.Context, string, uint32) (<-chan struct{}, error) {
	return nil, errors.New("no X11 window to watch on this system")
}
