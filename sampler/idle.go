package sampler

import (
	"context"

	"sysmon/idle"
)

// idleSource polls the AFK tracker once per tick, so the state machine and
// every subscriber see input changes at the sampling rate.
type idleSource struct{ t *idle.Tracker }

// NewIdleSource reports t's AFK status in each Sample; the caller owns t's
// detector and closes it.
func NewIdleSource(t *idle.Tracker) Source { return idleSource{t} }

func (idleSource) Name() string { return "idle" }

func (i idleSource) Collect(ctx context.Context, _ Tick) (func(*Sample), error) {
	st := i.t.Poll(ctx)
	return func(s *Sample) { s.Idle = &st }, nil
}
