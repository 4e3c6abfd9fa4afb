package runs

import (
	"context"
	"testing"

	"sysmon/gpu"
	"sysmon/sampler"
)

// cannedSamples: 2 GPUs, one sample with a missing value of each kind.
func cannedSamples() []*sampler.Sample {
	g := func(util0, util1 *float64, mem0, mem1 *uint64) []gpu.Device {
		a, b := dev(0), dev(1)
		a.UtilizationGPUPercent, b.UtilizationGPUPercent = util0, util1
		a.MemoryUsedBytes, b.MemoryUsedBytes = mem0, mem1
		return []gpu.Device{a, b}
	}
	return []*sampler.Sample{
		smp(0, f64(10), u64(4e9), g(f64(20), f64(40), u64(1*gib), u64(2*gib))...),
		smp(1, f64(50), u64(6e9), g(f64(60), f64(80), u64(4*gib), u64(1*gib))...),
		// CPU and RAM absent; one GPU without memory -> no VRAM sum; one util.
		smp(2, nil, nil, g(f64(50), nil, u64(8*gib), nil)...),
		// no GPU utilisation at all
		smp(3, f64(30), u64(5e9), g(nil, nil, u64(2*gib), u64(2*gib))...),
	}
}

func TestAggregatesCanned(t *testing.T) {
	var a aggregator
	for i, s := range cannedSamples() {
		a.add(s, pointOf(s), mono(float64(i)))
	}
	checkCanned(t, a.result())
}

func checkCanned(t *testing.T, r Aggregates) {
	t.Helper()
	if r.Samples != 4 {
		t.Errorf("samples = %d, want 4", r.Samples)
	}
	wantF(t, "cpu avg", r.CPUAvgPercent, 30) // (10+50+30)/3, the absent one skipped
	wantF(t, "cpu peak", r.CPUPeakPercent, 50)
	wantU(t, "ram peak", r.RAMPeakBytes, 6e9)
	wantU(t, "vram peak", r.VRAMPeakBytes, 5*gib) // 4+1; the partial 8 GiB sample does not count
	wantF(t, "gpu avg", r.GPUUtilAvgPercent, 50)  // (30+70+50)/3
	wantNil(t, "energy", r.EnergyJoules)
	wantNil(t, "J/token", r.JoulesPerToken)
	wantNil(t, "tokens/s", r.TokensPerSecond)
	if r.EnergySource != "" {
		t.Errorf("energy source = %q, want none", r.EnergySource)
	}
}

func TestAggregatesThroughStore(t *testing.T) {
	st := openTemp(t)
	r, err := st.Start("canned", []string{"llama-cli", "-m", "model.gguf"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range cannedSamples() {
		if err := r.Add(s, mono(float64(i))); err != nil {
			t.Fatal(err)
		}
	}
	checkCanned(t, r.Aggregates())
	code := 0
	if err := r.Finish(&code, t0.Add(mono(3.5))); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(context.Background(), r.ID())
	if err != nil {
		t.Fatal(err)
	}
	checkCanned(t, got.Aggregates)
	if got.State != StateDone || got.ExitCode == nil || *got.ExitCode != 0 || got.DurationSeconds != 3.5 {
		t.Errorf("state %s exit %v duration %v, want done 0 3.5", got.State, got.ExitCode, got.DurationSeconds)
	}
	if len(got.Command) != 3 || got.Command[2] != "model.gguf" {
		t.Errorf("command = %q", got.Command)
	}
	pts, err := st.Series(context.Background(), r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 4 {
		t.Fatalf("series has %d rows, want 4", len(pts))
	}
	wantF(t, "series[1].cpu", pts[1].CPUPercent, 50)
	wantNil(t, "series[2].cpu", pts[2].CPUPercent)
	wantNil(t, "series[2].mem", pts[2].MemUsedBytes)
	wantNil(t, "series[2].vram", pts[2].VRAMUsedBytes)
	wantU(t, "series[1].vram", pts[1].VRAMUsedBytes, 5*gib)
	wantF(t, "series[0].gpu", pts[0].GPUUtilPercent, 30)
	wantNil(t, "series[3].gpu", pts[3].GPUUtilPercent)
	wantNil(t, "series[0].power", pts[0].PowerWatts)
	for i, p := range pts {
		if p.Seconds != float64(i) {
			t.Errorf("series[%d].seconds = %v, want %d", i, p.Seconds, i)
		}
	}
}

// energyRun feeds n+1 samples one second apart, built by mk(i).
func energyRun(n int, mk func(i int) *sampler.Sample) Aggregates {
	var a aggregator
	for i := 0; i <= n; i++ {
		s := mk(i)
		a.add(s, pointOf(s), mono(float64(i)))
		if s.LLM != nil && s.LLM.Console != nil {
			a.setTokens(*s.LLM.Console)
		}
	}
	return a.result()
}

func TestEnergyFromCounter(t *testing.T) {
	// Two GPUs whose counters advance 300 J and 200 J over 10 s while
	// 1000 tokens are generated; power says something else and must lose.
	r := energyRun(10, func(i int) *sampler.Sample {
		a, b := dev(0), dev(1)
		a.EnergyJoules, b.EnergyJoules = f64(1e6+30*float64(i)), f64(5e5+20*float64(i))
		a.PowerWatts, b.PowerWatts = f64(999), f64(999)
		return withTokens(smp(float64(i), f64(50), u64(gib), a, b), 12, int64(100*i), 42.5)
	})
	wantF(t, "energy", r.EnergyJoules, 500)
	if r.EnergySource != EnergyCounter {
		t.Errorf("source = %q, want counter", r.EnergySource)
	}
	if r.GeneratedTokens == nil || *r.GeneratedTokens != 1000 || r.PromptTokens == nil || *r.PromptTokens != 12 {
		t.Errorf("tokens = %v/%v, want 12/1000", r.PromptTokens, r.GeneratedTokens)
	}
	wantF(t, "J/token", r.JoulesPerToken, 0.5)
	wantF(t, "tokens/s", r.TokensPerSecond, 42.5)
}

func TestEnergyFromPower(t *testing.T) {
	r := energyRun(10, func(i int) *sampler.Sample {
		d := dev(0)
		d.PowerWatts = f64(100)
		return smp(float64(i), nil, nil, d)
	})
	wantF(t, "energy", r.EnergyJoules, 1000)
	if r.EnergySource != EnergyPower {
		t.Errorf("source = %q, want power", r.EnergySource)
	}
	wantNil(t, "J/token (no tokens)", r.JoulesPerToken)
}

func TestEnergyPowerUsesMonotonicIntervals(t *testing.T) {
	// Samples at 0, 0.5, 2.5, 3 s (uneven, one dropped tick): 100 W -> 300 J.
	var a aggregator
	for _, sec := range []float64{0, 0.5, 2.5, 3} {
		d := dev(0)
		d.PowerWatts = f64(100)
		s := smp(sec, nil, nil, d)
		a.add(s, pointOf(s), mono(sec))
	}
	wantF(t, "energy", a.result().EnergyJoules, 300)
}

func TestEnergyCounterBackwardsIgnored(t *testing.T) {
	counters := []float64{1000, 1100, 50, 150, 250} // reset after the 2nd reading
	mk := func(withPower bool) func(int) *sampler.Sample {
		return func(i int) *sampler.Sample {
			d := dev(0)
			d.EnergyJoules = f64(counters[i])
			if withPower {
				d.PowerWatts = f64(40)
			}
			return smp(float64(i), nil, nil, d)
		}
	}
	// Without power the backwards interval adds nothing: 100+100+100.
	r := energyRun(4, mk(false))
	wantF(t, "energy", r.EnergyJoules, 300)
	if r.EnergySource != EnergyCounter {
		t.Errorf("source = %q, want counter", r.EnergySource)
	}
	// With power it is filled from power: 100 + 40x1 + 100 + 100.
	r = energyRun(4, mk(true))
	wantF(t, "energy", r.EnergyJoules, 340)
	if r.EnergySource != EnergyMixed {
		t.Errorf("source = %q, want mixed", r.EnergySource)
	}
}

func TestEnergyNeedsEveryDevice(t *testing.T) {
	// GPU 1 has no counter and no power: neither sum is known.
	r := energyRun(5, func(i int) *sampler.Sample {
		a, b := dev(0), dev(1)
		a.EnergyJoules, a.PowerWatts = f64(100*float64(i)), f64(100)
		return smp(float64(i), nil, nil, a, b)
	})
	wantNil(t, "energy", r.EnergyJoules)
	wantNil(t, "J/token", r.JoulesPerToken)
	// A device that appears mid-run breaks the counter set for that one
	// interval, which falls back to power.
	r = energyRun(3, func(i int) *sampler.Sample {
		devs := []gpu.Device{dev(0)}
		if i >= 2 {
			devs = append(devs, dev(1))
		}
		for k := range devs {
			devs[k].EnergyJoules, devs[k].PowerWatts = f64(10*float64(i)), f64(7)
		}
		return smp(float64(i), nil, nil, devs...)
	})
	// 10 (counter) + 14 (power, 2 GPUs x 7 W x 1 s) + 20 (counter, both GPUs)
	wantF(t, "energy", r.EnergyJoules, 44)
}

func TestNoGPUNoEnergy(t *testing.T) {
	r := energyRun(3, func(i int) *sampler.Sample {
		s := withTokens(smp(float64(i), f64(5), u64(gib)), 1, 10, 3)
		s.GPU = &gpu.Status{Present: false, Reason: "no NVIDIA driver"}
		return s
	})
	wantNil(t, "energy", r.EnergyJoules)
	wantNil(t, "vram", r.VRAMPeakBytes)
	wantNil(t, "gpu avg", r.GPUUtilAvgPercent)
	wantNil(t, "J/token", r.JoulesPerToken)
}

func TestSeriesOffsetFromStart(t *testing.T) {
	st := openTemp(t, WithFlushInterval(0))
	r, err := st.Start("offset", nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	// The first sample comes 0.75 s (wall) after the start; mono has its own origin.
	for i, sec := range []float64{0.75, 1.75, 2.75} {
		if err := r.Add(smp(sec, f64(1), nil), mono(100+float64(i))); err != nil {
			t.Fatal(err)
		}
	}
	pts, err := st.Series(context.Background(), r.ID())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{0.75, 1.75, 2.75} {
		if !near(pts[i].Seconds, want) {
			t.Errorf("seconds[%d] = %v, want %v", i, pts[i].Seconds, want)
		}
	}
}
