package jobs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"sysmon/console"
	"sysmon/gpu"
	"sysmon/idle"
	"sysmon/runs"
	"sysmon/sampler"
)

// fakeProc is a process that does nothing but record what was done to it.
type fakeProc struct {
	pid  int
	mu   sync.Mutex
	log  []string
	done chan struct{}
	code int
	err  error
}

func (p *fakeProc) PID() int              { return p.pid }
func (p *fakeProc) PIDStart() uint64      { return 0 }
func (p *fakeProc) Done() <-chan struct{} { return p.done }
func (p *fakeProc) Result() (int, error)  { <-p.done; return p.code, p.err }
func (p *fakeProc) record(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, s)
}
func (p *fakeProc) Pause() error    { p.record("pause"); return nil }
func (p *fakeProc) Continue() error { p.record("continue"); return nil }
func (p *fakeProc) Stop() {
	p.record("stop")
	p.exit(-1, errors.New("terminated"))
}
func (p *fakeProc) exit(code int, err error) {
	select {
	case <-p.done:
	default:
		p.code, p.err = code, err
		close(p.done)
	}
}
func (p *fakeProc) actions() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// fakeStarter hands out fakeProcs and remembers them by job id.
type fakeStarter struct {
	procs map[int64]*fakeProc
	lines map[int64]func(console.Line) // each attempt's own line reader
	fail  error
}

func (f *fakeStarter) Start(j Job, onLine func(console.Line)) (Process, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	if f.lines == nil {
		f.lines = map[int64]func(console.Line){}
	}
	f.lines[j.ID] = onLine
	p := &fakeProc{pid: 1000 + int(j.ID), done: make(chan struct{})}
	f.procs[j.ID] = p
	return p, nil
}

// harness is a scheduler on a real queue in a temporary database, driven by
// hand-made samples on a fake clock.
type harness struct {
	t       *testing.T
	ctx     context.Context
	st      *runs.Store
	q       *Queue
	s       *Scheduler
	start   *fakeStarter
	now     time.Time
	onAC    bool
	notes   []string
	idle    *float64
	gpuUtil float64
	gpuTemp float64
	gpuFree uint64
	cpu     float64
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	st, err := runs.Open(filepath.Join(t.TempDir(), "sysmon.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	q, err := Open(st)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: context.Background(), st: st, q: q, start: &fakeStarter{procs: map[int64]*fakeProc{}},
		now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), onAC: true,
		gpuUtil: 5, gpuTemp: 50, gpuFree: 20 << 30, cpu: 10}
	cfg.Now = func() time.Time { return h.now }
	cfg.OnAC = func() (bool, error) { return h.onAC, nil }
	cfg.Notify = func(title, body string) { h.notes = append(h.notes, title+": "+body) }
	cfg.Runs = st
	if cfg.AFKAfter == 0 {
		cfg.AFKAfter = 5 * time.Minute
	}
	h.s = NewScheduler(q, h.start, cfg)
	h.setIdle(0)
	return h
}

func (h *harness) setIdle(d time.Duration) {
	v := d.Seconds()
	h.idle = &v
}

// tick advances the fake clock by one second and feeds one sample.
func (h *harness) tick() {
	h.t.Helper()
	h.now = h.now.Add(time.Second)
	if h.idle != nil {
		*h.idle++
	}
	st := idle.Status{State: idle.StateActive, IdleSeconds: h.idle, Backend: "fake"}
	if h.idle == nil {
		st = idle.Status{State: idle.StateUnknown, Backend: "fake", Reason: "no X server"}
	}
	util, temp, free := h.gpuUtil, h.gpuTemp, h.gpuFree
	smp := &sampler.Sample{
		Time: h.now,
		CPU:  &sampler.CPU{LogicalCores: 8, TotalPercent: &h.cpu},
		Idle: &st,
		GPU: &gpu.Status{Present: true, DeviceCount: 1, Devices: []gpu.Device{{
			Name: "Fake GPU", UtilizationGPUPercent: &util, TemperatureCelsius: &temp, MemoryFreeBytes: &free,
		}}},
	}
	h.s.Tick(h.ctx, smp)
}

func (h *harness) add(j Job) Job {
	h.t.Helper()
	if j.Name == "" {
		j.Name = "job"
	}
	if j.Argv == nil {
		j.Argv = []string{"llama-bench", "-m", "model.gguf"}
	}
	if j.Dir == "" {
		j.Dir = h.t.TempDir()
	}
	got, err := h.q.Add(h.ctx, j)
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

func (h *harness) job(id int64) Job {
	h.t.Helper()
	j, err := h.q.Get(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

func (h *harness) wantState(id int64, want State) Job {
	h.t.Helper()
	j := h.job(id)
	if j.State != want {
		h.t.Fatalf("job %d is %s (%q), want %s", id, j.State, j.Message, want)
	}
	return j
}

func ptr[T any](v T) *T { return &v }

func TestIdleJobStartsOnlyOnceAway(t *testing.T) {
	h := newHarness(t, Config{AFKAfter: 5 * time.Minute})
	j := h.add(Job{When: WhenIdle})
	h.setIdle(4 * time.Minute)
	for range 58 {
		h.tick()
	}
	if got := h.wantState(j.ID, StateWaiting); got.Message == "" {
		t.Error("a waiting job says nothing about why")
	}
	if len(h.start.procs) != 0 {
		t.Fatal("job started before the user was away 5 minutes")
	}
	h.tick()
	h.tick() // idle is now 5 min
	h.wantState(j.ID, StateRunning)
	if h.job(j.ID).Attempts != 1 {
		t.Errorf("attempts = %d, want 1", h.job(j.ID).Attempts)
	}
}

func TestUnknownIdleNeverStartsIdleJob(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.add(Job{When: WhenIdle})
	now := h.add(Job{When: WhenNow})
	h.idle = nil
	for range 3 {
		h.tick()
	}
	got := h.wantState(j.ID, StateWaiting)
	if got.Message != "AFK state unknown: no X server" {
		t.Errorf("message = %q", got.Message)
	}
	// A job that does not wait for the user starts meanwhile.
	h.wantState(now.ID, StateRunning)
}

func TestEveryConditionMustHold(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cond  Conditions
		block func(h *harness)
		clear func(h *harness)
	}{
		{"gpu busy", Conditions{MaxGPUPercent: ptr(20.0)},
			func(h *harness) { h.gpuUtil = 60 }, func(h *harness) { h.gpuUtil = 10 }},
		{"vram", Conditions{MinFreeVRAM: ptr(uint64(16 << 30))},
			func(h *harness) { h.gpuFree = 8 << 30 }, func(h *harness) { h.gpuFree = 18 << 30 }},
		{"cpu busy", Conditions{MaxCPUPercent: ptr(30.0)},
			func(h *harness) { h.cpu = 75 }, func(h *harness) { h.cpu = 12 }},
		{"battery", Conditions{OnAC: true},
			func(h *harness) { h.onAC = false }, func(h *harness) { h.onAC = true }},
		{"gpu hot", Conditions{},
			func(h *harness) { h.gpuTemp = 90 }, func(h *harness) { h.gpuTemp = 60 }},
		{"idle for", Conditions{IdleFor: ptr(30 * time.Second)},
			func(h *harness) { h.setIdle(0) }, func(h *harness) { h.setIdle(time.Minute) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.setIdle(time.Hour)
			j := h.add(Job{When: WhenIdle, Conditions: tc.cond})
			tc.block(h)
			for range 5 {
				h.tick()
			}
			if got := h.wantState(j.ID, StateWaiting); got.Message == "" {
				t.Error("no reason given")
			} else {
				t.Logf("waiting: %s", got.Message)
			}
			tc.clear(h)
			h.tick()
			h.wantState(j.ID, StateRunning)
		})
	}
}

func TestReturnPolicies(t *testing.T) {
	t.Run("pause then continue", func(t *testing.T) {
		h := newHarness(t, Config{AFKAfter: time.Minute})
		h.setIdle(time.Hour)
		j := h.add(Job{When: WhenIdle, OnReturn: ReturnPause})
		h.tick()
		h.wantState(j.ID, StateRunning)
		h.setIdle(0) // the user touches the mouse
		h.tick()
		if got := h.wantState(j.ID, StatePaused); got.Message != "paused: you are back" {
			t.Errorf("message %q", got.Message)
		}
		for range 30 {
			h.tick()
		}
		h.wantState(j.ID, StatePaused)
		h.setIdle(time.Minute)
		h.tick()
		h.wantState(j.ID, StateRunning)
		if got := h.start.procs[j.ID].actions(); len(got) != 2 || got[0] != "pause" || got[1] != "continue" {
			t.Errorf("process saw %v, want [pause continue]", got)
		}
	})
	t.Run("keep", func(t *testing.T) {
		h := newHarness(t, Config{AFKAfter: time.Minute})
		h.setIdle(time.Hour)
		j := h.add(Job{When: WhenIdle, OnReturn: ReturnKeep})
		h.tick()
		h.setIdle(0)
		for range 5 {
			h.tick()
		}
		h.wantState(j.ID, StateRunning)
		if got := h.start.procs[j.ID].actions(); len(got) != 0 {
			t.Errorf("process saw %v", got)
		}
	})
	t.Run("stop and requeue", func(t *testing.T) {
		h := newHarness(t, Config{AFKAfter: time.Minute})
		h.setIdle(time.Hour)
		j := h.add(Job{When: WhenIdle, OnReturn: ReturnStop})
		other := h.add(Job{When: WhenIdle})
		h.tick()
		h.setIdle(0)
		h.tick() // stops it
		h.tick() // sees it gone
		h.tick() // records its end
		got := h.wantState(j.ID, StateWaiting)
		if got.Ended != (time.Time{}) {
			t.Error("a requeued job has an end time")
		}
		list, err := h.q.List(h.ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != j.ID || list[1].ID != other.ID {
			t.Errorf("queue order %v, want the stopped job first", ids(list))
		}
		h.setIdle(time.Hour)
		h.tick()
		if got := h.wantState(j.ID, StateRunning); got.Attempts != 2 {
			t.Errorf("attempts = %d, want 2", got.Attempts)
		}
	})
}

func ids(list []Job) []int64 {
	var out []int64
	for _, j := range list {
		out = append(out, j.ID)
	}
	return out
}

func TestHotGPUPausesUntilCool(t *testing.T) {
	h := newHarness(t, Config{MaxGPUTemp: 85})
	j := h.add(Job{When: WhenNow})
	h.tick()
	h.wantState(j.ID, StateRunning)
	h.gpuTemp = 88
	h.tick()
	h.wantState(j.ID, StatePaused)
	h.gpuTemp = 82 // below the limit but within the cool-down band
	h.tick()
	h.wantState(j.ID, StatePaused)
	h.gpuTemp = 79
	h.tick()
	h.wantState(j.ID, StateRunning)
}

func TestJobEndsAreRecorded(t *testing.T) {
	h := newHarness(t, Config{MaxRunning: 2})
	ok := h.add(Job{Name: "bench q4", When: WhenNow})
	bad := h.add(Job{Name: "bench q8", When: WhenNow})
	third := h.add(Job{When: WhenNow})
	h.tick()
	h.wantState(ok.ID, StateRunning)
	h.wantState(bad.ID, StateRunning)
	h.wantState(third.ID, StateQueued)
	h.start.procs[ok.ID].exit(0, nil)
	h.start.procs[bad.ID].exit(3, nil)
	h.tick()
	h.tick()
	if got := h.wantState(ok.ID, StateDone); got.ExitCode == nil || *got.ExitCode != 0 || got.RunID == 0 {
		t.Errorf("done job: exit %v run %d", got.ExitCode, got.RunID)
	}
	if got := h.wantState(bad.ID, StateFailed); got.ExitCode == nil || *got.ExitCode != 3 || got.Message != "exit code 3" {
		t.Errorf("failed job: exit %v message %q", got.ExitCode, got.Message)
	}
	h.wantState(third.ID, StateRunning)
	run, err := h.st.Get(h.ctx, h.job(ok.ID).RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Label != "bench q4" || run.State != runs.StateDone || run.Samples < 2 {
		t.Errorf("run %+v", run)
	}
	if len(h.notes) != 2 {
		t.Errorf("notifications %q, want 2", h.notes)
	}
}

// TestEachJobCountsItsOwnTokens: two jobs at once, one prints llama.cpp's
// summary as it exits; only its run has tokens.
func TestEachJobCountsItsOwnTokens(t *testing.T) {
	h := newHarness(t, Config{MaxRunning: 2})
	talker := h.add(Job{Name: "llama", When: WhenNow})
	quiet := h.add(Job{Name: "quiet", When: WhenNow})
	h.tick()
	for _, l := range []string{
		"llama_perf_context_print: prompt eval time =     567.89 ms /    12 tokens (   47.32 ms per token,    21.13 tokens per second)",
		"llama_perf_context_print:        eval time =    2345.67 ms /    99 runs   (   23.69 ms per token,    42.21 tokens per second)",
	} {
		h.start.lines[talker.ID](console.Line{Text: l})
	}
	h.start.procs[talker.ID].exit(0, nil)
	h.start.procs[quiet.ID].exit(0, nil)
	h.tick()
	h.tick()
	for _, c := range []struct {
		job       Job
		generated int64
	}{{talker, 99}, {quiet, 0}} {
		run, err := h.st.Get(h.ctx, h.job(c.job.ID).RunID)
		if err != nil {
			t.Fatal(err)
		}
		got := int64(0)
		if run.GeneratedTokens != nil {
			got = *run.GeneratedTokens
		}
		if got != c.generated {
			t.Errorf("%s's run generated %d tokens, want %d", c.job.Name, got, c.generated)
		}
	}
}

func TestCancelRunningJob(t *testing.T) {
	h := newHarness(t, Config{})
	j := h.add(Job{When: WhenNow})
	h.tick()
	if _, err := h.q.Cancel(h.ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	h.tick()
	h.tick()
	h.tick()
	got := h.wantState(j.ID, StateCancelled)
	// Its run is kept, marked as cut short rather than done.
	if run, err := h.st.Get(h.ctx, got.RunID); err != nil || run.State != runs.StateInterrupted {
		t.Errorf("run of the cancelled job: %+v, %v; want interrupted", run.State, err)
	}
}

func TestStartFailureFailsJob(t *testing.T) {
	h := newHarness(t, Config{})
	h.start.fail = os.ErrNotExist
	j := h.add(Job{When: WhenNow})
	h.tick()
	if got := h.wantState(j.ID, StateFailed); got.ExitCode == nil || *got.ExitCode != 127 {
		t.Errorf("exit code %v, want 127", got.ExitCode)
	}
}

func TestShutdownAppliesInterruptPolicy(t *testing.T) {
	h := newHarness(t, Config{MaxRunning: 2})
	again := h.add(Job{When: WhenNow, OnInterrupt: InterruptRequeue})
	once := h.add(Job{When: WhenNow, OnInterrupt: InterruptFail})
	h.tick()
	h.s.Shutdown(h.ctx)
	h.wantState(again.ID, StateQueued)
	h.wantState(once.ID, StateInterrupted)
}
