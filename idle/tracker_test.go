package idle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// fakeDetector serves whatever the test last set.
type fakeDetector struct {
	name string
	r    Reading
	err  error
}

func (f *fakeDetector) Idle(context.Context) (Reading, error) { return f.r, f.err }
func (f *fakeDetector) Name() string                          { return f.name }
func (f *fakeDetector) Close() error                          { return nil }

var t0 = time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)

func newTestTracker(threshold time.Duration) (*Tracker, *fakeDetector, *fakeClock) {
	clock := &fakeClock{t: t0}
	det := &fakeDetector{name: "fake"}
	return NewTracker(det, WithThreshold(threshold), WithClock(clock.Now)), det, clock
}

// drain returns the events waiting on ch without blocking.
func drain(ch <-chan Event) []Event {
	var evs []Event
	for {
		select {
		case ev := <-ch:
			evs = append(evs, ev)
		default:
			return evs
		}
	}
}

func transitions(evs []Event) string {
	s := ""
	for _, ev := range evs {
		s += fmt.Sprintf("%s>%s ", ev.From, ev.To)
	}
	return s
}

func TestTrackerThresholdCrossing(t *testing.T) {
	tr, det, clock := newTestTracker(0) // the default, 5 minutes
	if tr.Threshold() != DefaultThreshold {
		t.Fatalf("threshold %v, want default %v", tr.Threshold(), DefaultThreshold)
	}
	events, cancel := tr.Subscribe(16)
	defer cancel()

	if st := tr.Status(); st.State != StateUnknown || st.IdleSeconds != nil {
		t.Fatalf("before any reading: %+v", st)
	}

	det.r = Reading{Idle: 0}
	if st := tr.Poll(t.Context()); st.State != StateActive {
		t.Fatalf("idle 0: %+v", st)
	}
	clock.Advance(DefaultThreshold - time.Second)
	det.r = Reading{Idle: DefaultThreshold - time.Second}
	if st := tr.Poll(t.Context()); st.State != StateActive || st.AFKSince != nil {
		t.Fatalf("just under the threshold: %+v", st)
	}
	clock.Advance(time.Second)
	det.r = Reading{Idle: DefaultThreshold}
	st := tr.Poll(t.Context())
	if st.State != StateAFK || st.AFKSince == nil || !st.AFKSince.Equal(t0) {
		t.Fatalf("at the threshold: %+v, want afk since %v", st, t0)
	}
	// Staying away neither moves afk_since nor publishes anything.
	clock.Advance(10 * time.Minute)
	det.r = Reading{Idle: DefaultThreshold + 10*time.Minute}
	if st := tr.Poll(t.Context()); st.State != StateAFK || !st.AFKSince.Equal(t0) || *st.IdleSeconds != 900 {
		t.Fatalf("still away: %+v", st)
	}
	clock.Advance(time.Second)
	det.r = Reading{Idle: 200 * time.Millisecond}
	if st := tr.Poll(t.Context()); st.State != StateActive || st.AFKSince != nil {
		t.Fatalf("back: %+v", st)
	}

	evs := drain(events)
	if got, want := transitions(evs), "unknown>active active>afk afk>active "; got != want {
		t.Fatalf("transitions %q, want %q", got, want)
	}
	if at := evs[1].At; !at.Equal(t0.Add(DefaultThreshold)) {
		t.Errorf("afk event at %v, want the reading's time %v", at, t0.Add(DefaultThreshold))
	}
	if evs[1].Status.State != StateAFK {
		t.Errorf("afk event carries %+v", evs[1].Status)
	}
}

func TestTrackerFlappingAroundThreshold(t *testing.T) {
	const threshold = 2 * time.Second
	tr, det, clock := newTestTracker(threshold)
	events, cancel := tr.Subscribe(64)
	defer cancel()

	// Input lands just before the threshold, then just after, over and over;
	// every crossing is one transition and nothing else is.
	steps := []struct {
		idle time.Duration
		want State
	}{
		{1900 * time.Millisecond, StateActive},
		{1999 * time.Millisecond, StateActive},
		{100 * time.Millisecond, StateActive},
		{1999 * time.Millisecond, StateActive},
		{2000 * time.Millisecond, StateAFK},
		{2001 * time.Millisecond, StateAFK},
		{0, StateActive},
		{2100 * time.Millisecond, StateAFK},
		{10 * time.Millisecond, StateActive},
		{1990 * time.Millisecond, StateActive},
		{2010 * time.Millisecond, StateAFK},
		{2500 * time.Millisecond, StateAFK},
		{5 * time.Millisecond, StateActive},
	}
	var wantAFKSince []time.Time
	for i, s := range steps {
		clock.Advance(100 * time.Millisecond)
		det.r = Reading{Idle: s.idle}
		st := tr.Poll(t.Context())
		if st.State != s.want {
			t.Fatalf("step %d idle %v: state %s, want %s", i, s.idle, st.State, s.want)
		}
		if st.State == StateAFK && (i == 0 || steps[i-1].want != StateAFK) {
			wantAFKSince = append(wantAFKSince, clock.Now().Add(-s.idle).Truncate(time.Second))
		}
	}
	evs := drain(events)
	want := "unknown>active active>afk afk>active active>afk afk>active active>afk afk>active "
	if got := transitions(evs); got != want {
		t.Fatalf("transitions %q, want %q", got, want)
	}
	var gotAFKSince []time.Time
	for _, ev := range evs {
		if ev.To == StateAFK {
			gotAFKSince = append(gotAFKSince, *ev.Status.AFKSince)
		}
	}
	if fmt.Sprint(gotAFKSince) != fmt.Sprint(wantAFKSince) {
		t.Errorf("afk_since per episode %v, want %v", gotAFKSince, wantAFKSince)
	}
}

func TestTrackerUnknownBackend(t *testing.T) {
	tr, det, clock := newTestTracker(time.Minute)
	events, cancel := tr.Subscribe(16)
	defer cancel()

	det.r = Reading{Idle: 2 * time.Minute}
	if st := tr.Poll(t.Context()); st.State != StateAFK {
		t.Fatalf("setup: %+v", st)
	}
	clock.Advance(time.Second)
	det.err = fmt.Errorf("%w: x11: connection refused", ErrUnknown)
	st := tr.Poll(t.Context())
	if st.State != StateUnknown || st.IdleSeconds != nil || st.AFKSince != nil || st.Inhibited {
		t.Fatalf("unknown backend: %+v", st)
	}
	if st.Reason != "idle time unknown: x11: connection refused" {
		t.Fatalf("reason %q", st.Reason)
	}
	// An unknown reading is neither AFK nor active, whatever came before.
	clock.Advance(time.Hour)
	if st := tr.Poll(t.Context()); st.State != StateUnknown {
		t.Fatalf("still unknown: %+v", st)
	}
	det.err = nil
	det.r = Reading{Idle: 90 * time.Second}
	st = tr.Poll(t.Context())
	if want := clock.Now().Add(-90 * time.Second); st.State != StateAFK || !st.AFKSince.Equal(want) {
		t.Fatalf("afk again: %+v, want afk since %v", st, want)
	}
	if got, want := transitions(drain(events)), "unknown>afk afk>unknown unknown>afk "; got != want {
		t.Fatalf("transitions %q, want %q", got, want)
	}

	// A tracker on a detector that never worked.
	u := NewTracker(unknownDetector{err: fmt.Errorf("%w: no backend", ErrUnknown)})
	st = u.Poll(t.Context())
	if st.State != StateUnknown || st.Backend != "none" || st.IdleSeconds != nil {
		t.Fatalf("unknown detector: %+v", st)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"state":"unknown","backend":"none","reason":"idle time unknown: no backend","inhibited":false,"threshold_seconds":300}`
	if string(b) != want {
		t.Fatalf("JSON\n got %s\nwant %s", b, want)
	}
}

func TestTrackerLiveThresholdChange(t *testing.T) {
	tr, det, clock := newTestTracker(5 * time.Minute)
	events, cancel := tr.Subscribe(16)
	defer cancel()

	det.r = Reading{Idle: 3 * time.Minute}
	if st := tr.Poll(t.Context()); st.State != StateActive {
		t.Fatalf("setup: %+v", st)
	}
	// Lowering the threshold applies to the latest reading at once.
	st := tr.SetThreshold(2 * time.Minute)
	if st.State != StateAFK || st.ThresholdSeconds != 120 || !st.AFKSince.Equal(clock.Now().Add(-3*time.Minute)) {
		t.Fatalf("lowered: %+v", st)
	}
	if tr.Threshold() != 2*time.Minute {
		t.Fatalf("threshold %v", tr.Threshold())
	}
	clock.Advance(2 * time.Minute)
	det.r = Reading{Idle: 5 * time.Minute}
	if st := tr.Poll(t.Context()); st.State != StateAFK {
		t.Fatalf("later: %+v", st)
	}
	if st := tr.SetThreshold(10 * time.Minute); st.State != StateActive {
		t.Fatalf("raised: %+v", st)
	}
	if st := tr.SetThreshold(-time.Second); st.ThresholdSeconds != DefaultThreshold.Seconds() || st.State != StateAFK {
		t.Fatalf("reset to default: %+v", st)
	}
	if got, want := transitions(drain(events)), "unknown>active active>afk afk>active active>afk "; got != want {
		t.Fatalf("transitions %q, want %q", got, want)
	}
}

func TestTrackerInhibitorCountsAsPresent(t *testing.T) {
	tr, det, _ := newTestTracker(time.Minute)
	det.r = Reading{Idle: time.Hour, Inhibited: true}
	st := tr.Poll(t.Context())
	if st.State != StateActive || !st.Inhibited || *st.IdleSeconds != 3600 {
		t.Fatalf("inhibited: %+v", st)
	}
	det.r.Inhibited = false
	if st := tr.Poll(t.Context()); st.State != StateAFK || st.Inhibited {
		t.Fatalf("inhibitor released: %+v", st)
	}
}

func TestTrackerSlowSubscriberDoesNotBlock(t *testing.T) {
	tr, det, clock := newTestTracker(time.Second)
	fast, cancelFast := tr.Subscribe(1000)
	slow, cancelSlow := tr.Subscribe(1) // never read below
	defer cancelSlow()

	const n = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			clock.Advance(time.Second)
			det.r = Reading{Idle: time.Duration(i%2) * 2 * time.Second}
			tr.Poll(context.Background())
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Update blocked on a subscriber that does not read")
	}
	got := drain(fast)
	if len(got) != n {
		t.Fatalf("fast subscriber got %d events, want %d", len(got), n)
	}
	for i, ev := range got[1:] {
		if ev.From != got[i].To {
			t.Fatalf("event %d %s>%s does not follow %s>%s", i+1, ev.From, ev.To, got[i].From, got[i].To)
		}
	}
	if got := drain(slow); len(got) != 1 || got[0].To != StateActive {
		t.Fatalf("slow subscriber kept %d events (%s), want just the first", len(got), transitions(got))
	}

	cancelFast()
	cancelFast()
	if _, ok := <-fast; ok {
		t.Fatal("channel still open after cancel")
	}
	det.r = Reading{Idle: time.Hour}
	tr.Poll(t.Context()) // publishing after a cancel must not panic
}

func TestStatusJSON(t *testing.T) {
	tr, det, clock := newTestTracker(0)
	clock.Advance(6*time.Minute + 500*time.Millisecond)
	det.r = Reading{Idle: 6*time.Minute + 500*time.Millisecond}
	b, err := json.Marshal(tr.Poll(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"state":"afk","idle_seconds":360.5,"backend":"fake","inhibited":false,"afk_since":"2025-01-02T03:00:00Z","threshold_seconds":300}`
	if string(b) != want {
		t.Fatalf("JSON\n got %s\nwant %s", b, want)
	}

	det.r = Reading{Idle: 1500 * time.Millisecond, Inhibited: true}
	b, _ = json.Marshal(tr.Poll(t.Context()))
	want = `{"state":"active","idle_seconds":1.5,"backend":"fake","inhibited":true,"threshold_seconds":300}`
	if string(b) != want {
		t.Fatalf("JSON\n got %s\nwant %s", b, want)
	}

	var back Status
	if err := json.Unmarshal(b, &back); err != nil || back.State != StateActive || *back.IdleSeconds != 1.5 {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if !errors.Is(fmt.Errorf("%w: x", ErrUnknown), ErrUnknown) {
		t.Fatal("sentinel does not match")
	}
}
