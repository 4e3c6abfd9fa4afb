package sampler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Interval bounds and defaults.
const (
	MinInterval     = 250 * time.Millisecond
	MaxInterval     = 60 * time.Second
	DefaultInterval = time.Second
	DefaultHistory  = 10 * time.Minute
)

// ErrBusy marks a source skipped because its previous Collect has not
// returned yet (a hung NFS statfs, a stuck driver call).
var ErrBusy = errors.New("still busy with the previous reading")

// CheckInterval says whether d is an interval the sampler accepts.
func CheckInterval(d time.Duration) error {
	if d < MinInterval || d > MaxInterval {
		return fmt.Errorf("interval %v out of range: must be between %v and %v", d, MinInterval, MaxInterval)
	}
	return nil
}

// Sampler reads every source once per tick, records the result in its
// History and hands it to subscribers.
type Sampler struct {
	sources []*runner
	history *History
	start   time.Time
	// now and mono are the clocks; tests replace them to jump the wall clock.
	now  func() time.Time
	mono func() time.Duration

	mu       sync.Mutex
	interval time.Duration
	reset    chan struct{}
	subs     map[chan *Sample]struct{}
}

// runner wraps a source with its timeout and busy flag.
type runner struct {
	src     Source
	timeout time.Duration
	busy    chan struct{} // holds a token while Collect runs
}

// New returns a sampler over the given sources. interval must pass
// CheckInterval; history is how much time the History keeps.
func New(interval, history time.Duration, sources ...Source) (*Sampler, error) {
	if err := CheckInterval(interval); err != nil {
		return nil, err
	}
	start := time.Now()
	s := &Sampler{
		start:    start,
		now:      time.Now,
		mono:     func() time.Duration { return time.Since(start) },
		interval: interval,
		reset:    make(chan struct{}, 1),
		subs:     map[chan *Sample]struct{}{},
		history:  NewHistory(historyLen(history, interval)),
	}
	for _, src := range sources {
		s.sources = append(s.sources, &runner{src: src, busy: make(chan struct{}, 1)})
	}
	return s, nil
}

// historyLen is the number of samples spanning history: one more than the
// number of intervals, so 10 minutes at 1 s reach from "10 min ago" to "now".
func historyLen(history, interval time.Duration) int {
	n := int(history/interval) + 1
	if n < 2 {
		n = 2
	}
	return n
}

// History returns the sampler's ring of recent values.
func (s *Sampler) History() *History { return s.history }

// Interval returns the current tick interval.
func (s *Sampler) Interval() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interval
}

// SetInterval changes the tick interval while running; the History is
// resized to keep the same span of time.
func (s *Sampler) SetInterval(d, history time.Duration) error {
	if err := CheckInterval(d); err != nil {
		return err
	}
	s.mu.Lock()
	s.interval = d
	s.mu.Unlock()
	s.history.Resize(historyLen(history, d))
	select {
	case s.reset <- struct{}{}:
	default:
	}
	return nil
}

// Subscribe returns a channel that receives each new Sample. The channel
// holds one Sample: a subscriber that falls behind gets the newest one when it
// next reads, never a backlog, and never slows the sampler. cancel stops the
// delivery.
func (s *Sampler) Subscribe() (<-chan *Sample, func()) {
	ch := make(chan *Sample, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

// Run ticks until ctx is done. The first reading is taken at once.
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTicker(s.Interval())
	defer t.Stop()
	for {
		s.publish(s.Collect(ctx))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.reset:
			t.Reset(s.Interval())
		}
	}
}

// Collect takes one reading of every source in parallel, each bounded by its
// own timeout, and returns the Sample. Sources that fail, time out or are
// still busy leave their fields absent and are named in Sample.Errors.
func (s *Sampler) Collect(ctx context.Context) *Sample {
	tick := Tick{Wall: s.now(), Mono: s.mono()}
	out := &Sample{Time: tick.Wall}
	type result struct {
		name  string
		apply func(*Sample)
		err   error
	}
	results := make(chan result, len(s.sources))
	timeout := s.sourceTimeout()
	for _, r := range s.sources {
		go func(r *runner) {
			apply, err := r.collect(ctx, tick, timeout)
			results <- result{r.src.Name(), apply, err}
		}(r)
	}
	for range s.sources {
		res := <-results
		if res.err != nil {
			if out.Errors == nil {
				out.Errors = map[string]string{}
			}
			out.Errors[res.name] = res.err.Error()
			continue
		}
		res.apply(out)
	}
	if prev, ok := s.history.lastMono(); ok {
		out.IntervalSeconds = tick.Since(Tick{Mono: prev})
	}
	s.history.add(out, tick.Mono)
	return out
}

// sourceTimeout gives each source most of a tick, so one slow source cannot
// delay the next tick.
func (s *Sampler) sourceTimeout() time.Duration {
	return s.Interval() * 8 / 10
}

func (r *runner) collect(ctx context.Context, t Tick, timeout time.Duration) (func(*Sample), error) {
	select {
	case r.busy <- struct{}{}:
	default:
		return nil, ErrBusy
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		apply func(*Sample)
		err   error
	}
	done := make(chan result, 1)
	go func() {
		// The busy token is released only when Collect really returns, so a
		// hung source is never entered twice, and before the result is
		// handed over, so the next tick never finds it still taken.
		apply, err := r.src.Collect(ctx, t)
		<-r.busy
		done <- result{apply, err}
	}()
	select {
	case res := <-done:
		return res.apply, res.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: timed out after %v", r.src.Name(), timeout)
	}
}

func (s *Sampler) publish(smp *Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- smp:
		default:
			// Replace the unread, older sample with this one.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- smp:
			default:
			}
		}
	}
}

// Snapshot takes two readings one interval apart and returns the second, so
// that its rates and percentages cover exactly one interval.
func (s *Sampler) Snapshot(ctx context.Context) *Sample {
	s.Collect(ctx)
	select {
	case <-ctx.Done():
	case <-time.After(s.Interval()):
	}
	return s.Collect(ctx)
}
