package jobs

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"sysmon/sampler"
)

// lockRetry is how often a sysmon that does not hold the scheduler lock
// tries again, so that the daemon takes over when the window closes and
// the other way round.
const lockRetry = 5 * time.Second

// Service is the job queue of one sysmon process (the window or the
// daemon): it schedules only while it holds the database's scheduler lock,
// and otherwise only watches, trying for the lock now and then. Tick is
// called once per sample from one goroutine.
type Service struct {
	q     *Queue
	role  string
	start Starter
	cfg   Config

	mu       sync.Mutex // held through each Tick
	lock     *os.File
	held     bool
	closed   bool
	s        *Scheduler
	lastTry  time.Time
	lastWarn string

	// counts is the number of jobs in each state as of the last Tick, for
	// the metrics endpoint, which must not query the database per scrape.
	counts atomic.Pointer[map[State]int]
	// holding mirrors held for readers that must not wait for a Tick.
	holding atomic.Bool
}

// NewService returns the queue's service for a sysmon in role ("daemon",
// "window"), starting jobs with start.
func NewService(q *Queue, role string, start Starter, cfg Config) *Service {
	return &Service{q: q, role: role, start: start, cfg: cfg}
}

// Queue is the queue the service schedules.
func (v *Service) Queue() *Queue { return v.q }

// Scheduling reports whether this process runs the queue, and if not, who
// does (as the holder wrote it; "" when unknown).
func (v *Service) Scheduling() (bool, string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.held {
		return true, ""
	}
	return false, v.q.Holder()
}

// Tick takes the scheduler lock if it is free (recovering what a dead
// scheduler left behind) and, while it holds it, schedules on smp; either
// way it counts the jobs in each state.
func (v *Service) Tick(ctx context.Context, smp *sampler.Sample) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return
	}
	if v.held || v.acquire(ctx) {
		v.s.Tick(ctx, smp)
	}
	if c, err := v.q.Counts(ctx); err == nil {
		v.counts.Store(&c)
	}
}

// Counts returns the number of jobs in each state as of the last Tick (nil
// before the first), and whether this process schedules the queue. The map
// is shared: do not change it.
func (v *Service) Counts() (map[State]int, bool) {
	mine := v.holding.Load()
	if c := v.counts.Load(); c != nil {
		return *c, mine
	}
	return nil, mine
}

// acquire tries for the lock, at most every lockRetry; v.mu is held.
func (v *Service) acquire(ctx context.Context) bool {
	now := time.Now()
	if !v.lastTry.IsZero() && now.Sub(v.lastTry) < lockRetry {
		return false
	}
	v.lastTry = now
	f, err := v.q.Lock(v.role)
	if err != nil {
		if msg := err.Error(); msg != v.lastWarn {
			v.lastWarn = msg
			if errors.Is(err, ErrLocked) {
				slog.Info("job queue: another sysmon schedules it; this one only shows it", "holder", v.q.Holder())
			} else {
				slog.Error("job queue: cannot take the scheduler lock", "err", err)
			}
		}
		return false
	}
	v.s = NewScheduler(v.q, v.start, v.cfg)
	if err := v.s.Recover(ctx); err != nil {
		slog.Error("job queue: recovering interrupted jobs failed", "err", err)
	}
	v.lock, v.held = f, true
	v.holding.Store(true)
	slog.Info("job queue: this sysmon schedules it", "role", v.role)
	return true
}

// Shutdown ends the running jobs (each by its interrupt policy) and lets
// go of the lock; later Ticks do nothing.
func (v *Service) Shutdown(ctx context.Context) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.closed = true
	if !v.held {
		return
	}
	v.s.Shutdown(ctx)
	if v.lock != nil {
		_ = v.lock.Close()
	}
	v.held, v.lock = false, nil
	v.holding.Store(false)
}
