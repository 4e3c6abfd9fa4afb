package idle

import (
	"context"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// mapWindow opens a 200x200 window at the top left of display, as a toolkit
// would, and returns its id.
func mapWindow(t *testing.T, display string) (*xgb.Conn, xproto.Window) {
	t.Helper()
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	screen := xproto.Setup(conn).DefaultScreen(conn)
	win, err := xproto.NewWindowId(conn)
	if err != nil {
		t.Fatal(err)
	}
	// The owner selects button presses, which X gives one client only.
	err = xproto.CreateWindowChecked(conn, screen.RootDepth, win, screen.Root, 0, 0, 200, 200, 0,
		xproto.WindowClassInputOutput, screen.RootVisual, xproto.CwEventMask,
		[]uint32{xproto.EventMaskButtonPress | xproto.EventMaskPointerMotion | xproto.EventMaskKeyPress}).Check()
	if err != nil {
		t.Fatal(err)
	}
	if err := xproto.MapWindowChecked(conn, win).Check(); err != nil {
		t.Fatal(err)
	}
	return conn, win
}

func expectSignal(t *testing.T, acted <-chan struct{}, what string) {
	t.Helper()
	select {
	case _, ok := <-acted:
		if !ok {
			t.Fatalf("%s: the watch ended", what)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("%s: not reported", what)
	}
}

// quiet drains what is pending, then fails if anything is reported for d.
func quiet(t *testing.T, acted <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-acted:
	default:
	}
	select {
	case <-acted:
		t.Fatalf("%s: reported", what)
	case <-time.After(d):
	}
}

func TestWatchWindow(t *testing.T) {
	display := startXvfb(t)
	needBinary(t, "xdotool")
	conn, win := mapWindow(t, display)
	xdotool(t, display, "mousemove", "400", "400")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	acted, err := WatchWindow(ctx, display, uint32(win))
	if err != nil {
		t.Fatal(err)
	}
	quiet(t, acted, 300*time.Millisecond, "nothing done")

	xdotool(t, display, "mousemove", "50", "60")
	expectSignal(t, acted, "pointer entering the window")
	// Motion is reported again once the watcher has asked for more.
	time.Sleep(motionRearm + 200*time.Millisecond)
	xdotool(t, display, "mousemove", "70", "80")
	expectSignal(t, acted, "pointer moving in the window")

	xdotool(t, display, "mousemove", "400", "300")
	time.Sleep(100 * time.Millisecond)
	xdotool(t, display, "mousemove", "450", "350")
	quiet(t, acted, 700*time.Millisecond, "pointer moving outside the window")

	if err := xproto.SetInputFocusChecked(conn, xproto.InputFocusParent, win, xproto.TimeCurrentTime).Check(); err != nil {
		t.Fatal(err)
	}
	expectSignal(t, acted, "the window taking the focus")

	cancel()
	deadline := time.After(3 * time.Second)
	for {
		select {
		case _, ok := <-acted:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the watch did not end with its context")
		}
	}
}

func TestWatchWindowNoSuchWindow(t *testing.T) {
	display := startXvfb(t)
	if _, err := WatchWindow(t.Context(), display, 0x3fffff); err == nil {
		t.Fatal("watching a window that does not exist succeeded")
	}
}
