package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sysmon/filelock"
	"sysmon/runs"
)

func openQueue(t *testing.T, path string) *Queue {
	t.Helper()
	st, err := runs.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	q, err := Open(st)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestAddValidatesAndFillsDefaults(t *testing.T) {
	q := openQueue(t, filepath.Join(t.TempDir(), "sysmon.db"))
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		job  Job
		want string
	}{
		{Job{Dir: dir}, "needs a command"},
		{Job{Argv: []string{"x"}, Dir: dir, Conditions: Conditions{IdleFor: ptr(10000 * time.Hour)}}, "idle for"},
		{Job{Argv: []string{"touch", "file\xe9.txt"}, Dir: dir}, "argument 2"},
		{Job{Argv: []string{"x"}, Dir: dir, Env: []string{"K=\xff"}}, "not valid UTF-8"},
		{Job{Argv: []string{"x"}, Dir: dir, Name: "a\nb\x1b[31m"}, "control characters"},
		{Job{Argv: []string{"x"}, Dir: "rel"}, "not an absolute path"},
		{Job{Argv: []string{"x"}, Dir: filepath.Join(dir, "missing")}, "no such file"},
		{Job{Argv: []string{"x"}, Dir: file}, "not a folder"},
		{Job{Argv: []string{"x"}, Dir: dir, Env: []string{"NOEQUALS"}}, "KEY=VALUE"},
		{Job{Argv: []string{"x"}, Dir: dir, When: "later"}, "use idle or now"},
		{Job{Argv: []string{"x"}, Dir: dir, OnReturn: "explode"}, "pause, keep or stop"},
		{Job{Argv: []string{"x"}, Dir: dir, OnInterrupt: "maybe"}, "requeue or fail"},
		{Job{Argv: []string{"x"}, Dir: dir, Conditions: Conditions{MaxGPUPercent: ptr(101.0)}}, "between 0 and 100"},
	} {
		if _, err := q.Add(ctx, tc.job); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Add(%+v) = %v, want an error saying %q", tc.job, err, tc.want)
		}
	}
	j, err := q.Add(ctx, Job{Argv: []string{"/usr/bin/llama-bench", "-m", "a b.gguf"}, Dir: dir,
		Env: []string{"CUDA_VISIBLE_DEVICES=0"}, Conditions: Conditions{MinFreeVRAM: ptr(uint64(8 << 30)), OnAC: true}})
	if err != nil {
		t.Fatal(err)
	}
	if j.Name != "llama-bench" || j.When != WhenIdle || j.OnReturn != ReturnPause || j.OnInterrupt != InterruptRequeue ||
		j.State != StateQueued || j.Argv[2] != "a b.gguf" || j.Env[0] != "CUDA_VISIBLE_DEVICES=0" ||
		*j.Conditions.MinFreeVRAM != 8<<30 || !j.Conditions.OnAC || j.Conditions.MaxCPUPercent != nil {
		t.Errorf("stored job %+v", j)
	}
	if filepath.Dir(j.LogPath) != filepath.Join(filepath.Dir(q.path), "jobs") || filepath.Base(j.LogPath) != "1.log" {
		t.Errorf("log path %s", j.LogPath)
	}
}

func TestMoveCancelRunNow(t *testing.T) {
	q := openQueue(t, filepath.Join(t.TempDir(), "sysmon.db"))
	ctx := context.Background()
	var id []int64
	for range 4 {
		j, err := q.Add(ctx, Job{Argv: []string{"true"}, Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		id = append(id, j.ID)
	}
	order := func() []int64 {
		list, err := q.List(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		return ids(list)
	}
	same := slices.Equal[[]int64]
	if place, err := q.Move(ctx, id[3], 1); err != nil || place != 1 {
		t.Fatalf("move to 1: place %d, %v", place, err)
	}
	if got := order(); !same(got, []int64{id[3], id[0], id[1], id[2]}) {
		t.Fatalf("after move to 1: %v", got)
	}
	if place, err := q.Move(ctx, id[3], 99); err != nil || place != 4 {
		t.Fatalf("move to 99: place %d (want the last, 4), %v", place, err)
	}
	if got := order(); !same(got, []int64{id[0], id[1], id[2], id[3]}) {
		t.Fatalf("after move to 99: %v", got)
	}
	if _, err := q.Move(ctx, id[0], 0); err == nil {
		t.Error("move to place 0 accepted")
	}
	if err := q.RunNow(ctx, id[2]); err != nil {
		t.Fatal(err)
	}
	if got := order(); got[0] != id[2] {
		t.Fatalf("after run now: %v", got)
	}
	if j, _ := q.Get(ctx, id[2]); !j.RunNow {
		t.Error("run now not stored")
	}

	// A pending job ends at once; a running one is only marked.
	if j, err := q.Cancel(ctx, id[0]); err != nil || j.State != StateCancelled {
		t.Fatalf("cancel pending = %v, %v", j.State, err)
	}
	if _, err := q.Cancel(ctx, id[0]); !errors.Is(err, ErrEnded) {
		t.Errorf("second cancel = %v, want ErrEnded", err)
	}
	if _, err := q.Move(ctx, id[0], 1); !errors.Is(err, ErrNotPending) {
		t.Errorf("move an ended job = %v, want ErrNotPending", err)
	}
	if err := q.Start(ctx, id[1], 4242, 99, 0); err != nil {
		t.Fatal(err)
	}
	if j, err := q.Cancel(ctx, id[1]); err != nil || j.State != StateRunning || !j.CancelRequested {
		t.Fatalf("cancel running = %v %v, %v", j.State, j.CancelRequested, err)
	}
	if _, err := q.Cancel(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("cancel missing = %v, want ErrNotFound", err)
	}
	all, err := q.List(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[3].ID != id[0] {
		t.Errorf("list all = %v, want the ended job last", ids(all))
	}
}

func TestRecoverAppliesPolicies(t *testing.T) {
	q := openQueue(t, filepath.Join(t.TempDir(), "sysmon.db"))
	ctx := context.Background()
	add := func(p OnInterrupt) Job {
		j, err := q.Add(ctx, Job{Argv: []string{"true"}, Dir: t.TempDir(), OnInterrupt: p})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx, j.ID, 1234, 5678, 0); err != nil {
			t.Fatal(err)
		}
		return j
	}
	again, once, cancelled := add(InterruptRequeue), add(InterruptFail), add(InterruptRequeue)
	if _, err := q.Cancel(ctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	left, err := q.Recover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 3 || left[0].PID != 1234 || left[0].PIDStart != 5678 {
		t.Fatalf("left = %+v", left)
	}
	for id, want := range map[int64]State{again.ID: StateQueued, once.ID: StateInterrupted, cancelled.ID: StateCancelled} {
		j, _ := q.Get(ctx, id)
		if j.State != want || j.Message == "" || j.PID != 0 {
			t.Errorf("job %d: %s %q pid %d, want %s with a message", id, j.State, j.Message, j.PID, want)
		}
	}
	if left, err := q.Recover(ctx); err != nil || len(left) != 0 {
		t.Errorf("second recover = %v, %v", left, err)
	}
}

func TestSchedulerLockIsExclusive(t *testing.T) {
	if !filelock.Supported {
		t.Skip("no file locks here")
	}
	path := filepath.Join(t.TempDir(), "sysmon.db")
	a, b := openQueue(t, path), openQueue(t, path)
	f, err := a.Lock("daemon")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lock("window")
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "sysmon daemon, pid") {
		t.Fatalf("second lock = %v, want ErrLocked naming the daemon", err)
	}
	if who := b.Holder(); !strings.Contains(who, "sysmon daemon, pid") {
		t.Errorf("holder while locked = %q, want the daemon", who)
	}
	f.Close()
	if who := b.Holder(); who != "" {
		t.Errorf("holder after release = %q, want none", who)
	}
	g, err := b.Lock("window")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	g.Close()
}

// TestConcurrentAddsLoseNothing adds from several Stores on one file at
// once, as several `sysmon queue add` processes would.
func TestConcurrentAddsLoseNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sysmon.db")
	openQueue(t, path) // create the file first, as the first sysmon would
	const writers, each = 6, 15
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for range writers {
		q := openQueue(t, path)
		wg.Go(func() {
			for range each {
				if _, err := q.Add(context.Background(), Job{Argv: []string{"true"}, Dir: dir}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, err := openQueue(t, path).List(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, j := range list {
		if seen[j.Position] {
			t.Errorf("two jobs at position %d", j.Position)
		}
		seen[j.Position] = true
	}
	if len(list) != writers*each {
		t.Errorf("%d jobs, want %d", len(list), writers*each)
	}
}
