package runs

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"sysmon/gpu"
	"sysmon/llm"
	"sysmon/sampler"
)

const gib = uint64(1) << 30

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func f64(v float64) *float64 { return &v }
func u64(v uint64) *uint64   { return &v }
func i64(v int64) *int64     { return &v }

// smp builds a sample at t0+sec with the given CPU % and RAM used (nil =
// absent) and GPUs.
func smp(sec float64, cpu *float64, mem *uint64, devs ...gpu.Device) *sampler.Sample {
	s := &sampler.Sample{Time: t0.Add(time.Duration(sec * float64(time.Second)))}
	if cpu != nil {
		s.CPU = &sampler.CPU{LogicalCores: 8, TotalPercent: cpu}
	}
	if mem != nil {
		s.Memory = &sampler.Memory{TotalBytes: 64 * gib, UsedBytes: *mem}
	}
	if devs != nil {
		s.GPU = &gpu.Status{Present: true, DeviceCount: len(devs), Devices: devs}
	}
	return s
}

// dev is a GPU with the given index; fill the fields a test needs.
func dev(i int) gpu.Device {
	return gpu.Device{Index: i, UUID: "GPU-" + string(rune('a'+i))}
}

// withTokens puts token statistics on s, as the console parser would; a
// run reads them only through its own Tokens (see fixedTokens).
func withTokens(s *sampler.Sample, prompt, generated int64, tps float64) *sampler.Sample {
	s.LLM = &sampler.LLM{Console: &llm.Stats{PromptTokens: i64(prompt), GeneratedTokens: i64(generated),
		GenerationTokensPerSecond: f64(tps)}}
	return s
}

func mono(sec float64) time.Duration { return time.Duration(sec * float64(time.Second)) }

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func wantF(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %v", what, want)
	} else if !near(*got, want) {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

func wantU(t *testing.T, what string, got *uint64, want uint64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %v", what, want)
	} else if *got != want {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

func wantNil[T any](t *testing.T, what string, got *T) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %v, want absent", what, *got)
	}
}

// openTemp opens a fresh store in a temporary directory, closed at cleanup.
func openTemp(t *testing.T, opts ...Option) *Store {
	t.Helper()
	st, err := Open(filepath.Join(t.TempDir(), "sysmon.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fixedTokens is a run's token source whose statistics a test sets.
type fixedTokens struct {
	st      llm.Stats
	flushed bool
}

func (f *fixedTokens) Stats() llm.Stats { return f.st }
func (f *fixedTokens) Flush() bool      { f.flushed = true; return false }
