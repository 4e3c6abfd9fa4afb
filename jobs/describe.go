package jobs

import (
	"fmt"
	"strings"
	"time"

	"sysmon/format"
)

// StartsWhen says in words what j waits for before it starts.
func (j Job) StartsWhen() string {
	var c []string
	switch {
	case j.RunNow:
		c = append(c, "starts as soon as a slot is free")
	case j.When == WhenNow:
		c = append(c, "starts when its conditions hold")
	case j.Conditions.IdleFor != nil:
		c = append(c, "starts once you have been away "+format.Duration(j.Conditions.IdleFor.Seconds()))
	default:
		c = append(c, "starts once you are away")
	}
	if p := j.Conditions.MaxGPUPercent; p != nil {
		c = append(c, fmt.Sprintf("GPU ≤ %g %%", *p))
	}
	if b := j.Conditions.MinFreeVRAM; b != nil {
		c = append(c, "free VRAM ≥ "+format.Bytes(float64(*b)))
	}
	if p := j.Conditions.MaxCPUPercent; p != nil {
		c = append(c, fmt.Sprintf("CPU ≤ %g %%", *p))
	}
	if j.Conditions.OnAC {
		c = append(c, "on mains power")
	}
	return strings.Join(c, ", ")
}

// Detail is the one line that says most about j now: why it waits or
// what it waits for, how it ended, its attempt and its recorded run.
func (j Job) Detail() string {
	var parts []string
	if j.Message != "" {
		parts = append(parts, j.Message)
	}
	if j.State == StateQueued && j.Message == "" {
		// A waiting job's message already says which condition holds it,
		// and a queued one's that only a slot does.
		parts = append(parts, j.StartsWhen())
	}
	if (j.State == StateRunning || j.State == StatePaused) && !j.Started.IsZero() {
		parts = append(parts, "started "+format.Duration(time.Since(j.Started).Seconds())+" ago")
	}
	if (j.State == StateDone || j.State == StateFailed) && !j.Started.IsZero() && j.Ended.After(j.Started) {
		parts = append(parts, "ran "+format.Duration(j.Ended.Sub(j.Started).Seconds()))
	}
	if j.ExitCode != nil && j.State.Ended() {
		// A failed job's message is often just its exit code.
		if ec := fmt.Sprintf("exit code %d", *j.ExitCode); ec != j.Message {
			parts = append(parts, ec)
		}
	}
	if j.Attempts > 1 {
		parts = append(parts, fmt.Sprintf("attempt %d", j.Attempts))
	}
	if j.RunID != 0 {
		parts = append(parts, fmt.Sprintf("run #%d", j.RunID))
	}
	return strings.Join(parts, "; ")
}
