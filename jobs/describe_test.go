package jobs

import (
	"testing"
	"time"
)

func TestDetail(t *testing.T) {
	code := 3
	idle := 20 * time.Minute
	for _, c := range []struct {
		job  Job
		want string
	}{
		{Job{State: StateQueued, Conditions: Conditions{IdleFor: &idle, MaxGPUPercent: ptr(20.0), OnAC: true}},
			"starts once you have been away 20m 00s, GPU ≤ 20 %, on mains power"},
		{Job{State: StateWaiting, Message: "on battery"}, "on battery"},
		{Job{State: StateRunning, Started: time.Now().Add(-90 * time.Second), Attempts: 2, RunID: 7},
			"started 1m 30s ago; attempt 2; run #7"},
		{Job{State: StateFailed, Message: "exit code 3", ExitCode: &code, Started: time.Unix(100, 0), Ended: time.Unix(160, 0)},
			"exit code 3; ran 1m 00s"},
		{Job{State: StateDone, ExitCode: new(int), Started: time.Unix(100, 0), Ended: time.Unix(101, 0)}, "ran 1s; exit code 0"},
	} {
		if got := c.job.Detail(); got != c.want {
			t.Errorf("Detail of %s job = %q, want %q", c.job.State, got, c.want)
		}
	}
}
