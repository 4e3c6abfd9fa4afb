package idle

import (
	"context"
	"errors"
	"sync"
	"time"
)

// DefaultThreshold is how long without input before the person counts as
// away.
const DefaultThreshold = 5 * time.Minute

// State is the presence state of the person.
type State string

const (
	// StateUnknown means the detector cannot tell; it is neither AFK nor
	// active.
	StateUnknown State = "unknown"
	// StateActive means input within the threshold, or an active inhibitor.
	StateActive State = "active"
	// StateAFK means no input for at least the threshold.
	StateAFK State = "afk"
)

// Status is the tracker's view after the latest reading. Its JSON form is
// part of `sysmon snapshot --json`; field names are stable.
type Status struct {
	State State `json:"state"`
	// IdleSeconds is absent when the state is unknown.
	IdleSeconds *float64 `json:"idle_seconds,omitempty"`
	// Backend is the detector's Name.
	Backend string `json:"backend"`
	// Reason says why the state is unknown; empty otherwise.
	Reason    string `json:"reason,omitempty"`
	Inhibited bool   `json:"inhibited"`
	// AFKSince is the time of the last input before the person went away,
	// to the second; present only in StateAFK.
	AFKSince         *time.Time `json:"afk_since,omitempty"`
	ThresholdSeconds float64    `json:"threshold_seconds"`
}

// Event is a state transition, as published to subscribers.
type Event struct {
	From, To State
	// At is the tracker clock's time of the reading that showed the change.
	At     time.Time
	Status Status
}

// Tracker turns readings into Active/AFK/Unknown transitions. It is safe for
// concurrent use; readings should come from one goroutine so that they are
// applied in order.
type Tracker struct {
	det Detector
	now func() time.Time

	mu        sync.Mutex
	threshold time.Duration
	state     State
	reading   Reading
	err       error
	at        time.Time // clock time of the latest reading
	afkSince  time.Time
	subs      map[chan Event]struct{}
}

// TrackerOption configures a Tracker.
type TrackerOption func(*Tracker)

// WithThreshold sets the AFK threshold; d <= 0 means DefaultThreshold.
func WithThreshold(d time.Duration) TrackerOption {
	return func(t *Tracker) { t.threshold = validThreshold(d) }
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) TrackerOption {
	return func(t *Tracker) { t.now = now }
}

var errNoReading = errors.New("no reading yet")

// NewTracker returns a Tracker fed by d, in StateUnknown until the first
// reading.
func NewTracker(d Detector, opts ...TrackerOption) *Tracker {
	t := &Tracker{
		det:       d,
		now:       time.Now,
		threshold: DefaultThreshold,
		state:     StateUnknown,
		err:       errNoReading,
		subs:      map[chan Event]struct{}{},
	}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Poll reads the detector and applies the reading.
func (t *Tracker) Poll(ctx context.Context) Status {
	return t.Update(t.det.Idle(ctx))
}

// Update applies one reading, or the error the detector returned in its
// place, and returns the resulting Status. A transition is published to the
// subscribers.
func (t *Tracker) Update(r Reading, err error) Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reading, t.err, t.at = r, err, t.now()
	return t.evaluate()
}

// Status returns the Status after the latest reading, without reading the
// detector.
func (t *Tracker) Status() Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status()
}

// Threshold returns the current AFK threshold.
func (t *Tracker) Threshold() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.threshold
}

// SetThreshold changes the AFK threshold (d <= 0 means DefaultThreshold) and
// applies it to the latest reading at once, publishing a transition if the
// state changes.
func (t *Tracker) SetThreshold(d time.Duration) Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.threshold = validThreshold(d)
	return t.evaluate()
}

// Subscribe returns a channel of transitions with room for buffer events
// (at least 1). Delivery never blocks the tracker: an event that finds the
// channel full is dropped for that subscriber. cancel stops delivery and
// closes the channel.
func (t *Tracker) Subscribe(buffer int) (events <-chan Event, cancel func()) {
	ch := make(chan Event, max(buffer, 1))
	t.mu.Lock()
	t.subs[ch] = struct{}{}
	t.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			t.mu.Lock()
			delete(t.subs, ch)
			close(ch)
			t.mu.Unlock()
		})
	}
}

// evaluate derives the state from the latest reading and publishes a
// change. t.mu must be held.
func (t *Tracker) evaluate() Status {
	next := StateUnknown
	if t.err == nil {
		next = StateActive
		if !t.reading.Inhibited && t.reading.Idle >= t.threshold {
			next = StateAFK
		}
	}
	prev := t.state
	if next == StateAFK && prev != StateAFK {
		// The person left at the last input, not when the threshold passed.
		t.afkSince = t.at.Add(-t.reading.Idle)
	}
	t.state = next
	st := t.status()
	if next != prev {
		ev := Event{From: prev, To: next, At: t.at, Status: st}
		for ch := range t.subs {
			select {
			case ch <- ev:
			default:
			}
		}
	}
	return st
}

// status builds the Status of the current state. t.mu must be held.
func (t *Tracker) status() Status {
	st := Status{
		State:            t.state,
		Backend:          t.det.Name(),
		ThresholdSeconds: t.threshold.Seconds(),
	}
	if t.err != nil {
		st.Reason = t.err.Error()
		return st
	}
	idle := t.reading.Idle.Seconds()
	st.IdleSeconds = &idle
	st.Inhibited = t.reading.Inhibited
	if t.state == StateAFK {
		// Truncate also drops the monotonic reading, so the JSON is plain
		// RFC 3339.
		since := t.afkSince.Truncate(time.Second)
		st.AFKSince = &since
	}
	return st
}

func validThreshold(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultThreshold
	}
	return d
}
