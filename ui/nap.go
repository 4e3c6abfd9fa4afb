package ui

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"

	"sysmon/idle"
)

// Fyne's GLFW driver runs its loop 60 times a second for as long as the app
// runs: it polls for input and looks for a frame to draw, and each round
// wakes the OS thread that holds the GL context (fyne
// internal/driver/glfw/loop.go). That alone costs about as much CPU as all
// of sysmon's charts, hidden window or not. A monitor is mostly watched, not
// touched, so sysmon lets the loop nap: a function on the UI thread that
// blocks it for up to napSlice, then leaves it a napGap to read events,
// run what was queued and draw, and queues itself again. The loop naps
// while the window is hidden, and while it shows but nobody has acted on it
// for awakeFor. Input on the window, sysmon's own UI work and quitting
// end a nap at once; anything Fyne queues by itself (a tray click, say)
// waits at most napSlice.
const (
	napSlice = 250 * time.Millisecond
	// napGap is more than one 60 Hz round, so each gap reads X events and
	// draws what changed.
	napGap   = 25 * time.Millisecond
	awakeFor = 3 * time.Second
)

// napper makes the UI loop nap while nobody uses the window.
type napper struct {
	// queue runs a function on the UI thread (fyne.Do).
	queue   func(func())
	hidden  func() bool
	stopped <-chan struct{}
	now     func() time.Time

	wake      chan struct{} // ends the current or next nap
	napping   atomic.Bool   // a nap is queued or running
	lastInput atomic.Int64  // unix nanoseconds of the last input on the window
	// watched says input on the window is seen; without that a shown
	// window never naps, since its loop is all that would notice a click.
	watched atomic.Bool
	tried   bool // UI thread: watching was tried
}

func newNapper(hidden func() bool, stopped <-chan struct{}) *napper {
	n := &napper{queue: fyne.Do, hidden: hidden, stopped: stopped, now: time.Now, wake: make(chan struct{}, 1)}
	n.touch()
	return n
}

// touch records input now.
func (n *napper) touch() { n.lastInput.Store(n.now().UnixNano()) }

// poke ends the current nap, or the next one if none runs: called before
// handing the UI thread work.
func (n *napper) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// sleepy says whether the loop may nap now.
func (n *napper) sleepy() bool {
	if n.hidden() {
		return true
	}
	return n.watched.Load() && n.now().Sub(time.Unix(0, n.lastInput.Load())) > awakeFor
}

// tick starts napping when it is due; UI thread, once a sample. The first
// tick with a native X11 window starts watching it for input.
func (n *napper) tick(win fyne.Window) {
	if !n.tried {
		n.watch(win)
	}
	if n.sleepy() && n.napping.CompareAndSwap(false, true) {
		n.queue(n.nap)
	}
}

// watch follows input on win until the app stops. Windows that are not
// X11 (the test driver's, Wayland's, Windows') are not watched.
func (n *napper) watch(win fyne.Window) {
	native, ok := win.(driver.NativeWindow)
	if !ok {
		n.tried = true
		return
	}
	var x11, isX11 = driver.X11WindowContext{}, false
	native.RunNative(func(c any) { x11, isX11 = c.(driver.X11WindowContext) })
	if isX11 && x11.WindowHandle == 0 {
		return // not created yet, when sysmon starts hidden: try again next tick
	}
	n.tried = true
	if !isX11 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	acted, err := idle.WatchWindow(ctx, os.Getenv("DISPLAY"), uint32(x11.WindowHandle))
	if err != nil {
		cancel()
		slog.Info("window input not watched: the window keeps Fyne's full frame rate", "err", err)
		return
	}
	n.watched.Store(true)
	go func() {
		<-n.stopped
		cancel()
	}()
	go func() {
		for range acted {
			n.touch()
			n.poke()
		}
		n.watched.Store(false)
	}()
}

// nap blocks the UI thread for up to napSlice, then queues the next nap
// after napGap, unless napping is no longer due; UI thread.
func (n *napper) nap() {
	if !n.sleepy() {
		n.napping.Store(false)
		return
	}
	t := time.NewTimer(napSlice)
	defer t.Stop()
	select {
	case <-n.wake:
	case <-t.C:
	case <-n.stopped:
		return
	}
	time.AfterFunc(napGap, func() {
		select {
		case <-n.stopped:
		default:
			n.queue(n.nap)
		}
	})
}
