package sampler

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sysmon/gpu"
	"sysmon/llm"
)

// counterSource reports a byte counter that grows by step per reading, as a
// network interface would, so rates can be checked end to end.
type counterSource struct {
	step  uint64
	n     uint64
	prev  uint64
	prevT Tick
	have  bool
}

func (c *counterSource) Name() string { return "counter" }

func (c *counterSource) Collect(_ context.Context, t Tick) (func(*Sample), error) {
	c.n += c.step
	i := Interface{Name: "eth0", RxBytesTotal: c.n, TxBytesTotal: c.n}
	if c.have {
		i.RxBytesPerSec = rate(c.prev, c.n, t.Since(c.prevT))
		i.TxBytesPerSec = i.RxBytesPerSec
	}
	c.prev, c.prevT, c.have = c.n, t, true
	return func(s *Sample) { s.Network = []Interface{i} }, nil
}

// blockingSource hangs until released, like a statfs on a dead NFS server.
type blockingSource struct {
	release chan struct{}
	calls   atomic.Int32
}

func (b *blockingSource) Name() string { return "blocking" }

func (b *blockingSource) Collect(context.Context, Tick) (func(*Sample), error) {
	b.calls.Add(1)
	<-b.release
	return func(s *Sample) { s.Host = &Host{Hostname: "late"} }, nil
}

type failingSource struct{}

func (failingSource) Name() string { return "failing" }
func (failingSource) Collect(context.Context, Tick) (func(*Sample), error) {
	return nil, errors.New("read /proc/broken: permission denied")
}

// fakeClock steps the monotonic clock by one second per reading while the
// wall clock does whatever the test says.
type fakeClock struct {
	mono time.Duration
	wall time.Time
}

func newTestSampler(t *testing.T, interval time.Duration, srcs ...Source) (*Sampler, *fakeClock) {
	t.Helper()
	s, err := New(interval, time.Minute, srcs...)
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{wall: time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)}
	s.now = func() time.Time { return clk.wall }
	s.mono = func() time.Duration { return clk.mono }
	return s, clk
}

// T1: the wall clock jumps an hour back, then two hours forward; rates and
// intervals follow the monotonic clock only.
func TestWallClockJumpsDoNotDisturbRates(t *testing.T) {
	s, clk := newTestSampler(t, time.Second, &counterSource{step: 1000})
	s.Collect(context.Background())
	for i, jump := range []time.Duration{-time.Hour, 2 * time.Hour, 0} {
		clk.mono += time.Second
		clk.wall = clk.wall.Add(time.Second + jump)
		smp := s.Collect(context.Background())
		if smp.IntervalSeconds != 1 {
			t.Errorf("step %d: interval %v s, want 1", i, smp.IntervalSeconds)
		}
		if r := smp.Network[0].RxBytesPerSec; r == nil || *r != 1000 {
			t.Errorf("step %d: rate %v, want 1000 B/s", i, r)
		}
	}
}

func TestSlowSourceTimesOutAndOthersGoOn(t *testing.T) {
	b := &blockingSource{release: make(chan struct{})}
	s, clk := newTestSampler(t, MinInterval, b, &counterSource{step: 10}, failingSource{})
	first := s.Collect(context.Background())
	if first.Host != nil {
		t.Fatal("a timed-out source wrote into the sample")
	}
	if !strings.Contains(first.Errors["blocking"], "timed out") {
		t.Errorf("errors = %v, want a timeout for blocking", first.Errors)
	}
	if !strings.Contains(first.Errors["failing"], "permission denied") {
		t.Errorf("errors = %v, want failing's error", first.Errors)
	}
	if len(first.Network) != 1 {
		t.Errorf("the healthy source gave nothing")
	}
	clk.mono += time.Second
	second := s.Collect(context.Background())
	if second.Errors["blocking"] != ErrBusy.Error() {
		t.Errorf("second tick: %q, want busy", second.Errors["blocking"])
	}
	if b.calls.Load() != 1 {
		t.Errorf("a hung source was entered %d times", b.calls.Load())
	}
	close(b.release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		clk.mono += time.Second
		if smp := s.Collect(context.Background()); smp.Host != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("source never recovered after it was released")
		}
	}
}

func TestSubscriberNeverBlocksAndGetsNewest(t *testing.T) {
	s, clk := newTestSampler(t, time.Second, &counterSource{step: 1})
	ch, cancel := s.Subscribe()
	defer cancel()
	var last *Sample
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			clk.mono += time.Second
			last = s.Collect(context.Background())
			s.publish(last)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the sampler blocked on a subscriber that does not read")
	}
	if got := <-ch; got != last {
		t.Errorf("subscriber got an old sample (rx total %d), want the newest (%d)",
			got.Network[0].RxBytesTotal, last.Network[0].RxBytesTotal)
	}
	cancel()
	s.publish(last)
	select {
	case <-ch:
		t.Error("delivery after cancel")
	default:
	}
}

func TestRunTicksAndStops(t *testing.T) {
	s, err := New(MinInterval, time.Minute, &counterSource{step: 1})
	if err != nil {
		t.Fatal(err)
	}
	ch, cancel := s.Subscribe()
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	for range 3 {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatal("no sample from Run")
		}
	}
	if err := s.SetInterval(2*MinInterval, time.Minute); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("no sample after SetInterval")
	}
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestCheckInterval(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second, 249 * time.Millisecond, 61 * time.Second} {
		if CheckInterval(d) == nil {
			t.Errorf("%v accepted", d)
		}
		if _, err := New(d, time.Minute); err == nil {
			t.Errorf("New accepted %v", d)
		}
	}
	for _, d := range []time.Duration{MinInterval, time.Second, MaxInterval} {
		if err := CheckInterval(d); err != nil {
			t.Errorf("%v rejected: %v", d, err)
		}
	}
}

func TestHistoryRing(t *testing.T) {
	h := NewHistory(3)
	cpu := func(v float64) *Sample { return &Sample{CPU: &CPU{TotalPercent: ptr(v)}} }
	if got := h.Series(KeyCPU, nil); len(got) != 3 || !allNaN(got) {
		t.Fatalf("empty history = %v", got)
	}
	h.add(cpu(1), 1)
	h.add(&Sample{CPU: &CPU{}}, 2) // absent value
	h.add(cpu(3), 3)
	h.add(cpu(4), 4)
	got := h.Series(KeyCPU, nil)
	if !math.IsNaN(got[0]) || got[1] != 3 || got[2] != 4 {
		t.Errorf("series = %v, want [NaN 3 4]", got)
	}
	buf := got
	if again := h.Series(KeyCPU, buf); &again[0] != &buf[0] {
		t.Error("Series did not reuse dst")
	}
	h.Resize(5)
	if got := h.Series(KeyCPU, nil); len(got) != 5 || !math.IsNaN(got[0]) || !math.IsNaN(got[2]) || got[3] != 3 || got[4] != 4 {
		t.Errorf("after grow = %v, want [NaN NaN NaN 3 4]", got)
	}
	h.add(cpu(5), 5)
	h.Resize(2)
	if got := h.Series(KeyCPU, nil); got[0] != 4 || got[1] != 5 {
		t.Errorf("after shrink = %v, want [4 5]", got)
	}
	// A series with no value for a whole window is dropped.
	h.add(&Sample{}, 6)
	h.add(&Sample{}, 7)
	if keys := h.Keys(); len(keys) != 0 {
		t.Errorf("stale series kept: %v", keys)
	}
}

func TestHistoryNewSeriesHasNoFakeZeros(t *testing.T) {
	h := NewHistory(4)
	h.add(&Sample{}, 1)
	h.add(&Sample{}, 2)
	h.add(&Sample{CPU: &CPU{TotalPercent: ptr(7.0)}}, 3)
	got := h.Series(KeyCPU, nil)
	if !math.IsNaN(got[1]) || !math.IsNaN(got[2]) || got[3] != 7 {
		t.Errorf("series = %v, want NaN before its first value", got)
	}
}

func allNaN(v []float64) bool {
	for _, x := range v {
		if !math.IsNaN(x) {
			return false
		}
	}
	return true
}

// BenchmarkTick is one reading of every default source on this machine.
func BenchmarkTick(b *testing.B) {
	s, err := New(time.Second, DefaultHistory, DefaultSources(Options{})...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s.Collect(ctx)
	b.ReportAllocs()
	cpu0 := processCPUTime()
	for b.Loop() {
		if smp := s.Collect(ctx); len(smp.Errors) > 0 {
			b.Fatalf("errors: %v", smp.Errors)
		}
	}
	// CPU time, not wall time, is the target: sources run in parallel.
	b.ReportMetric(float64(processCPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

type fakeGPU struct{ st gpu.Status }

func (f fakeGPU) Read() gpu.Status { return f.st }

func TestGPUSourceFillsSampleAndHistory(t *testing.T) {
	used := uint64(3 << 30)
	src := NewGPUSource(fakeGPU{gpu.Status{Present: true, DeviceCount: 1, Devices: []gpu.Device{
		{Index: 0, UtilizationGPUPercent: ptr(37.0), MemoryUsedBytes: &used},
	}}})
	s, _ := newTestSampler(t, time.Second, src)
	smp := s.Collect(context.Background())
	if smp.GPU == nil || !smp.GPU.Present {
		t.Fatalf("gpu = %+v", smp.GPU)
	}
	if got := s.History().Series(KeyGPU(0, "util"), nil); got[len(got)-1] != 37 {
		t.Errorf("util series ends %v", got[len(got)-1])
	}
	if got := s.History().Series(KeyGPU(0, "vram"), nil); got[len(got)-1] != float64(used) {
		t.Errorf("vram series ends %v", got[len(got)-1])
	}
	if got := s.History().Series(KeyGPU(0, "temp"), nil); !math.IsNaN(got[len(got)-1]) {
		t.Errorf("unknown temperature recorded as %v", got[len(got)-1])
	}
}

func TestLLMSourceReadsParsedRun(t *testing.T) {
	parser := llm.NewParser(nil)
	src := NewLLMSource(nil, parser)
	s, clk := newTestSampler(t, time.Second, src)
	if smp := s.Collect(context.Background()); smp.LLM != nil {
		t.Fatalf("LLM section before anything was parsed: %+v", smp.LLM)
	}
	for _, line := range []string{
		"llama_perf_context_print: prompt eval time =     567.89 ms /    12 tokens (   47.32 ms per token,    21.13 tokens per second)",
		"llama_perf_context_print:        eval time =    2345.67 ms /    99 runs   (   23.69 ms per token,    42.21 tokens per second)",
		"llama_perf_context_print:       total time =    3456.78 ms /   111 tokens",
	} {
		parser.Feed(line)
	}
	clk.mono += time.Second
	smp := s.Collect(context.Background())
	if smp.LLM == nil || smp.LLM.Console == nil || *smp.LLM.Console.GeneratedTokens != 99 {
		t.Fatalf("llm = %+v", smp.LLM)
	}
	if r := smp.LLM.TokensPerSecond(); r == nil || *r != 42.21 {
		t.Errorf("tokens/s = %v, want the last generation's 42.21", r)
	}
	if got := s.History().Series(KeyTokens, nil); got[len(got)-1] != 42.21 {
		t.Errorf("tokens series ends %v", got[len(got)-1])
	}
}
