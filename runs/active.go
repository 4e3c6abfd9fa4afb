package runs

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"sysmon/sampler"
)

// ErrBusy is returned when a run is started while another is being recorded.
var ErrBusy = errors.New("a run is already being recorded")

// Active records at most one run at a time from the sample stream: the UI's
// Start/Stop buttons and `sysmon run` share it, so two never overlap.
type Active struct {
	store *Store
	mu    sync.Mutex
	run   *Run
	label string
	since time.Time
	t0    time.Time // origin of the monotonic offsets passed to Run.Add
	// ending is set by StopAfterNext: the run ends with code after the
	// next sample.
	ending bool
	code   *int
}

// NewActive records runs into store.
func NewActive(store *Store) *Active { return &Active{store: store, t0: time.Now()} }

// Start opens a run labelled label for argv, whose token statistics come
// from tokens (argv and tokens are nil for a run started by hand).
func (a *Active) Start(label string, argv []string, tokens Tokens) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.run != nil {
		return fmt.Errorf("%w (%q)", ErrBusy, a.label)
	}
	now := time.Now()
	r, err := a.store.Start(label, argv, now)
	if err != nil {
		return err
	}
	if tokens != nil {
		r.ReadTokens(tokens)
	}
	a.run, a.label, a.since = r, label, now
	return nil
}

// Stop finishes the run being recorded with its command's exit code (nil
// for a run started by hand) and returns its id; ok is false when none was.
func (a *Active) Stop(exitCode *int) (id int64, ok bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stopLocked(exitCode)
}

// StopAfterNext ends the run with exitCode after the next sample, so what a
// command printed just before it exited (llama.cpp's token summary) is in
// the run. A Stop before then ends it at once, keeping exitCode.
func (a *Active) StopAfterNext(exitCode *int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ending, a.code = a.run != nil, exitCode
}

func (a *Active) stopLocked(exitCode *int) (id int64, ok bool, err error) {
	if a.run == nil {
		return 0, false, nil
	}
	if a.ending && exitCode == nil {
		exitCode = a.code
	}
	r := a.run
	a.run, a.ending, a.code = nil, false, nil
	err = r.Finish(exitCode, time.Now())
	return r.ID(), true, err
}

// Current says which run is being recorded and since when.
func (a *Active) Current() (label string, since time.Time, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.label, a.since, a.run != nil
}

// Add feeds one sample to the run being recorded, if any.
func (a *Active) Add(s *sampler.Sample) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.run == nil {
		return
	}
	// The sampler stamps samples with time.Now, so this difference comes
	// from the monotonic clock, whatever the wall clock does.
	if err := a.run.Add(s, s.Time.Sub(a.t0)); err != nil && !errors.Is(err, ErrFinished) {
		slog.Warn("run: sample not saved", "err", err)
	}
	if a.ending {
		if _, _, err := a.stopLocked(nil); err != nil {
			slog.Error("run not saved", "err", err)
		}
	}
}
