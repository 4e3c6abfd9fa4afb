package sampler

import (
	"context"
	"errors"
	"time"
)

// ErrNoData is returned by a source that has nothing to report this tick.
var ErrNoData = errors.New("no data")

// Tick is the moment of one reading: Wall for display, Mono (time since the
// sampler started, from the monotonic clock) for rates, so a wall-clock jump
// never produces a spike or a negative interval.
type Tick struct {
	Wall time.Time
	Mono time.Duration
}

// A Source reads one part of the machine. Collect is never called again
// while a previous call is still running. It returns a function that writes
// its results into the Sample; the sampler calls it only if Collect finished
// before its deadline, so a source that hangs can never touch a published
// Sample.
type Source interface {
	Name() string
	Collect(ctx context.Context, t Tick) (apply func(*Sample), err error)
}

// Since is the monotonic time from prev to t in seconds; 0 or less means
// there is no usable interval.
func (t Tick) Since(prev Tick) float64 { return (t.Mono - prev.Mono).Seconds() }

// rate is the per-second change of a counter, or nil when the counter went
// backwards (reset, wrap, device replaced) or there is no interval.
func rate(prev, cur uint64, seconds float64) *float64 {
	if seconds <= 0 || cur < prev {
		return nil
	}
	return ptr(float64(cur-prev) / seconds)
}
