package jobs

import (
	"path/filepath"
	"testing"

	"sysmon/filelock"
	"sysmon/runs"
	"sysmon/sampler"
)

// TestServiceSchedulesOnlyWithTheLock: of two services on one database only
// the first to tick runs the queue; both count its jobs; the second takes
// over once the first shuts down.
func TestServiceSchedulesOnlyWithTheLock(t *testing.T) {
	if !filelock.Supported {
		t.Skip("no file locks here")
	}
	path := filepath.Join(t.TempDir(), "sysmon.db")
	daemonStart, windowStart := &fakeStarter{procs: map[int64]*fakeProc{}}, &fakeStarter{procs: map[int64]*fakeProc{}}
	daemon := NewService(openQueue(t, path), "daemon", daemonStart, Config{})
	window := NewService(openQueue(t, path), "window", windowStart, Config{})
	if c, _ := daemon.Counts(); c != nil {
		t.Errorf("counts before the first tick = %v, want none", c)
	}
	if _, err := daemon.Queue().Add(t.Context(), Job{Argv: []string{"llama-bench"}, Dir: t.TempDir(), When: WhenNow}); err != nil {
		t.Fatal(err)
	}
	smp := &sampler.Sample{}
	daemon.Tick(t.Context(), smp)
	window.Tick(t.Context(), smp)

	if len(daemonStart.procs) != 1 || len(windowStart.procs) != 0 {
		t.Fatalf("started by the daemon %d, by the window %d; want the daemon alone", len(daemonStart.procs), len(windowStart.procs))
	}
	for _, c := range []struct {
		name string
		svc  *Service
		mine bool
	}{{"daemon", daemon, true}, {"window", window, false}} {
		counts, mine := c.svc.Counts()
		if mine != c.mine || counts[StateRunning] != 1 || counts[StateQueued] != 0 || len(counts) != len(States) {
			t.Errorf("%s counts %v, scheduling %v; want 1 running of every state listed, scheduling %v", c.name, counts, mine, c.mine)
		}
		if sched, holder := c.svc.Scheduling(); !c.mine && (sched || holder == "") {
			t.Errorf("%s: scheduling %v, holder %q; want the daemon named", c.name, sched, holder)
		}
	}

	// The job ends just before the daemon stops: it is done, not
	// interrupted, and the window, taking over, does not run it again.
	daemonStart.procs[1].exit(0, nil)
	daemon.Shutdown(t.Context())
	if j, err := window.Queue().Get(t.Context(), 1); err != nil || j.State != StateDone {
		t.Errorf("job after the daemon stopped: %s %q (%v), want done", j.State, j.Message, err)
	}
	window.lastTry = window.lastTry.Add(-lockRetry)
	window.Tick(t.Context(), smp)
	if mine, _ := window.Scheduling(); !mine {
		t.Errorf("the window did not take the queue over after the daemon stopped")
	}
	if len(windowStart.procs) != 0 {
		t.Errorf("the window ran the finished job again")
	}
}

// BenchmarkServiceTick is the queue's cost per sample with 20 jobs waiting
// for the user to leave: the scheduler's reading of the queue and the
// counts for the metrics endpoint.
func BenchmarkServiceTick(b *testing.B) {
	st, err := runs.Open(filepath.Join(b.TempDir(), "sysmon.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	q, err := Open(st)
	if err != nil {
		b.Fatal(err)
	}
	for range 20 {
		if _, err := q.Add(b.Context(), Job{Argv: []string{"llama-bench"}, Dir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
	svc := NewService(q, "daemon", &fakeStarter{procs: map[int64]*fakeProc{}}, Config{})
	defer svc.Shutdown(b.Context())
	smp := &sampler.Sample{}
	for b.Loop() {
		svc.Tick(b.Context(), smp)
	}
}
