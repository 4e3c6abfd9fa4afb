package ui

import (
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// testNapper has a clock the test moves and a queue it can watch.
type testNapper struct {
	*napper
	clock  time.Time
	hide   atomic.Bool
	queued chan func()
	stop   chan struct{}
}

func newTestNapper() *testNapper {
	tn := &testNapper{clock: time.Unix(1000, 0), queued: make(chan func(), 4), stop: make(chan struct{})}
	tn.napper = newNapper(tn.hide.Load, tn.stop)
	tn.now = func() time.Time { return tn.clock }
	tn.queue = func(f func()) { tn.queued <- f }
	tn.touch()
	return tn
}

func TestNapperSleepy(t *testing.T) {
	n := newTestNapper()
	if n.sleepy() {
		t.Fatal("a shown window whose input is not watched naps")
	}
	n.hide.Store(true)
	if !n.sleepy() {
		t.Fatal("a hidden window does not nap")
	}
	n.hide.Store(false)
	n.watched.Store(true)
	n.clock = n.clock.Add(awakeFor / 2)
	if n.sleepy() {
		t.Fatal("naps right after input")
	}
	n.clock = n.clock.Add(awakeFor)
	if !n.sleepy() {
		t.Fatal("does not nap long after the last input")
	}
	n.touch()
	if n.sleepy() {
		t.Fatal("naps after new input")
	}
}

func TestNapEndsOnPokeAndComesBack(t *testing.T) {
	n := newTestNapper()
	n.hide.Store(true)
	win := test.NewTempWindow(t, nil)
	n.tick(win)
	if !n.tried || n.watched.Load() {
		t.Fatal("the test driver's window is not X11 and is not watched")
	}
	nap := <-n.queued
	n.tick(win)
	select {
	case <-n.queued:
		t.Fatal("a second nap queued while one is due")
	default:
	}

	done := make(chan time.Duration)
	go func() {
		start := time.Now()
		nap()
		done <- time.Since(start)
	}()
	time.Sleep(20 * time.Millisecond)
	n.poke()
	if took := <-done; took > napSlice/2 {
		t.Fatalf("a poked nap took %v", took)
	}
	next := <-n.queued // after napGap

	// Shown and touched: the next nap finds nothing to wait for and stops.
	n.hide.Store(false)
	next()
	if n.napping.Load() {
		t.Fatal("still napping with the window in use")
	}
	select {
	case <-n.queued:
		t.Fatal("queued another nap with the window in use")
	case <-time.After(2 * napGap):
	}
}

func TestNapRunsOutAndStopsWithTheApp(t *testing.T) {
	n := newTestNapper()
	n.hide.Store(true)
	start := time.Now()
	n.nap()
	if took := time.Since(start); took < napSlice-10*time.Millisecond {
		t.Fatalf("an unpoked nap lasted %v, want %v", took, napSlice)
	}
	<-n.queued

	close(n.stop)
	start = time.Now()
	n.nap()
	if took := time.Since(start); took > napSlice/2 {
		t.Fatalf("a nap after the app stopped lasted %v", took)
	}
	select {
	case <-n.queued:
		t.Fatal("queued a nap after the app stopped")
	case <-time.After(2 * napGap):
	}
}
