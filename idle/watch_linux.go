package idle

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// windowEvents is what WatchWindow listens for on the window. None of them
// is exclusive to one client, so the toolkit that owns the window still gets
// its own copy. Button presses are (X lets one client select them), but a
// click is always preceded by the pointer entering or moving.
// PointerMotionHint makes the server send one motion event until the
// watcher asks again, rather than one per pixel.
const windowEvents = xproto.EventMaskEnterWindow | xproto.EventMaskPointerMotion | xproto.EventMaskPointerMotionHint |
	xproto.EventMaskKeyPress | xproto.EventMaskFocusChange | xproto.EventMaskExposure | xproto.EventMaskStructureNotify

// motionRearm is the shortest time between two pointer motion events the
// watcher asks for while the pointer keeps moving.
const motionRearm = 500 * time.Millisecond

// WatchWindow reports the user acting on the X11 window win of display: the
// pointer entering or moving in it, a key pressed while it has focus, the
// window gaining focus, being exposed, mapped or resized. Each sends on the
// returned channel without blocking (one signal waits at most). It watches
// over its own connection until ctx is done or the connection fails, then
// closes the channel.
func WatchWindow(ctx context.Context, display string, win uint32) (<-chan struct{}, error) {
	silenceXGB.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) })
	d, err := parseDisplay(display)
	if err != nil {
		return nil, err
	}
	var dialer net.Dialer
	raw, err := dialer.DialContext(ctx, d.network, d.address)
	if err != nil {
		return nil, fmt.Errorf("connect to X display %q: %w", display, err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	conn, err := setup(raw, d)
	if err == nil {
		err = xproto.ChangeWindowAttributesChecked(conn, xproto.Window(win), xproto.CwEventMask, []uint32{windowEvents}).Check()
	}
	if err != nil {
		stop()
		raw.Close()
		if conn != nil {
			conn.Close()
		}
		return nil, fmt.Errorf("watch X window %#x: %w", win, err)
	}
	acted := make(chan struct{}, 1)
	go func() {
		defer close(acted)
		defer conn.Close()
		defer stop()
		for {
			ev, _ := conn.WaitForEvent()
			if ev == nil {
				return // closed: ctx is done or the server went away
			}
			select {
			case acted <- struct{}{}:
			default:
			}
			if m, ok := ev.(xproto.MotionNotifyEvent); ok && m.Detail == xproto.MotionHint {
				// Ask for the next motion event a little later, by the
				// query that re-arms the hint.
				time.AfterFunc(motionRearm, func() { _, _ = xproto.QueryPointer(conn, xproto.Window(win)).Reply() })
			}
		}
	}()
	return acted, nil
}
