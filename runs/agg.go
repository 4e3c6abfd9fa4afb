package runs

import (
	"strconv"
	"time"

	"sysmon/gpu"
	"sysmon/llm"
	"sysmon/sampler"
)

// EnergySource says how a run's energy was measured.
type EnergySource string

const (
	// EnergyCounter: every interval from the GPUs' energy counters (NVML
	// total energy consumption, summed over the devices).
	EnergyCounter EnergySource = "counter"
	// EnergyPower: every interval from the integral of board power over
	// monotonic time (no usable counter).
	EnergyPower EnergySource = "power"
	// EnergyMixed: some intervals from the counters, some from power (a
	// counter that reset or went missing for a while).
	EnergyMixed EnergySource = "mixed"
)

// Point is one row of a run's time series: the machine at one tick, for
// overlaid charts. Absent values are nil, never 0.
type Point struct {
	// Seconds is the time since the run started (monotonic).
	Seconds    float64  `json:"seconds"`
	CPUPercent *float64 `json:"cpu_percent,omitempty"`
	// MemUsedBytes is RAM in use (total - available).
	MemUsedBytes *uint64 `json:"mem_used_bytes,omitempty"`
	// GPUUtilPercent is the mean utilisation over the GPUs that report one.
	GPUUtilPercent *float64 `json:"gpu_util_percent,omitempty"`
	// VRAMUsedBytes is the sum over all GPUs; absent unless every GPU reports it.
	VRAMUsedBytes *uint64 `json:"vram_used_bytes,omitempty"`
	// PowerWatts is the sum over all GPUs; absent unless every GPU reports it.
	PowerWatts *float64 `json:"power_watts,omitempty"`
	// TokensPerSecond is the live generation speed (sampler.LLM.TokensPerSecond).
	TokensPerSecond *float64 `json:"tokens_per_second,omitempty"`
}

// Aggregates are what a run's samples add up to. Absent values are nil.
type Aggregates struct {
	// Samples is how many samples the run received.
	Samples        int      `json:"samples"`
	CPUAvgPercent  *float64 `json:"cpu_avg_percent,omitempty"`
	CPUPeakPercent *float64 `json:"cpu_peak_percent,omitempty"`
	RAMPeakBytes   *uint64  `json:"ram_peak_bytes,omitempty"`
	VRAMPeakBytes  *uint64  `json:"vram_peak_bytes,omitempty"`
	// GPUUtilAvgPercent is the time-average (per sample) of Point.GPUUtilPercent.
	GPUUtilAvgPercent *float64     `json:"gpu_util_avg_percent,omitempty"`
	EnergyJoules      *float64     `json:"energy_joules,omitempty"`
	EnergySource      EnergySource `json:"energy_source,omitempty"`
	PromptTokens      *int64       `json:"prompt_tokens,omitempty"`
	GeneratedTokens   *int64       `json:"generated_tokens,omitempty"`
	// TokensPerSecond is the generation speed over the whole run as the
	// console statistics give it (total generated tokens / generation time).
	TokensPerSecond *float64 `json:"tokens_per_second,omitempty"`
	// JoulesPerToken is EnergyJoules / GeneratedTokens.
	JoulesPerToken *float64 `json:"joules_per_token,omitempty"`
}

// aggregator folds samples into Aggregates. It keeps O(GPUs) state, never
// the samples themselves.
type aggregator struct {
	n int

	cpuSum  float64
	cpuN    int
	cpuPeak *float64
	ramPeak *uint64
	vramPk  *uint64
	gpuSum  float64
	gpuN    int

	// energy
	havePrev     bool
	prevMono     time.Duration
	prevCounters map[string]float64 // device key -> joules; nil when not every device had one
	energy       float64
	counterIvals int
	powerIvals   int

	// tokens: the latest statistics of the run's own command
	prompt, generated *int64
	tps               *float64
}

// deviceKey identifies a GPU across samples: its UUID, else its index.
func deviceKey(d *gpu.Device) string {
	if d.UUID != "" {
		return d.UUID
	}
	return "#" + strconv.Itoa(d.Index)
}

// devices returns the sample's GPUs, nil when there are none.
func devices(s *sampler.Sample) []gpu.Device {
	if s.GPU == nil || !s.GPU.Present {
		return nil
	}
	return s.GPU.Devices
}

// pointOf extracts the series values of one sample; seconds is filled in by
// the caller.
func pointOf(s *sampler.Sample) Point {
	var p Point
	if s.CPU != nil && s.CPU.TotalPercent != nil {
		p.CPUPercent = ptr(*s.CPU.TotalPercent)
	}
	if s.Memory != nil {
		p.MemUsedBytes = ptr(s.Memory.UsedBytes)
	}
	if devs := devices(s); len(devs) > 0 {
		var util float64
		var utilN int
		var vram uint64
		var power float64
		vramAll, powerAll := true, true
		for i := range devs {
			d := &devs[i]
			if d.UtilizationGPUPercent != nil {
				util += *d.UtilizationGPUPercent
				utilN++
			}
			if d.MemoryUsedBytes != nil {
				vram += *d.MemoryUsedBytes
			} else {
				vramAll = false
			}
			if d.PowerWatts != nil {
				power += *d.PowerWatts
			} else {
				powerAll = false
			}
		}
		if utilN > 0 {
			p.GPUUtilPercent = ptr(util / float64(utilN))
		}
		if vramAll {
			p.VRAMUsedBytes = ptr(vram)
		}
		if powerAll {
			p.PowerWatts = ptr(power)
		}
	}
	if s.LLM != nil {
		if v := s.LLM.TokensPerSecond(); v != nil {
			p.TokensPerSecond = ptr(*v)
		}
	}
	return p
}

// counters returns every device's energy counter, or nil unless every
// device reports one.
func counters(s *sampler.Sample) map[string]float64 {
	devs := devices(s)
	if len(devs) == 0 {
		return nil
	}
	m := make(map[string]float64, len(devs))
	for i := range devs {
		d := &devs[i]
		if d.EnergyJoules == nil {
			return nil
		}
		m[deviceKey(d)] = *d.EnergyJoules
	}
	return m
}

// counterDelta is the energy between two readings of the same set of
// devices; ok is false when the sets differ or any counter went backwards
// (driver reload, reset).
func counterDelta(prev, cur map[string]float64) (joules float64, ok bool) {
	if prev == nil || cur == nil || len(prev) != len(cur) {
		return 0, false
	}
	for k, c := range cur {
		p, found := prev[k]
		if !found || c < p {
			return 0, false
		}
		joules += c - p
	}
	return joules, true
}

// add folds in one sample taken at monotonic time mono; p is pointOf(s).
func (a *aggregator) add(s *sampler.Sample, p Point, mono time.Duration) {
	a.n++
	if p.CPUPercent != nil {
		a.cpuSum += *p.CPUPercent
		a.cpuN++
		if a.cpuPeak == nil || *p.CPUPercent > *a.cpuPeak {
			a.cpuPeak = ptr(*p.CPUPercent)
		}
	}
	if p.MemUsedBytes != nil && (a.ramPeak == nil || *p.MemUsedBytes > *a.ramPeak) {
		a.ramPeak = ptr(*p.MemUsedBytes)
	}
	if p.VRAMUsedBytes != nil && (a.vramPk == nil || *p.VRAMUsedBytes > *a.vramPk) {
		a.vramPk = ptr(*p.VRAMUsedBytes)
	}
	if p.GPUUtilPercent != nil {
		a.gpuSum += *p.GPUUtilPercent
		a.gpuN++
	}

	// Energy over the interval since the previous sample: the counters when
	// every device has a valid delta, else power x time, else nothing.
	cur := counters(s)
	if a.havePrev {
		if dt := (mono - a.prevMono).Seconds(); dt > 0 {
			if j, ok := counterDelta(a.prevCounters, cur); ok {
				a.energy += j
				a.counterIvals++
			} else if p.PowerWatts != nil && *p.PowerWatts >= 0 {
				a.energy += *p.PowerWatts * dt
				a.powerIvals++
			}
		}
	}
	if !a.havePrev || mono > a.prevMono {
		a.havePrev, a.prevMono, a.prevCounters = true, mono, cur
	}
}

// setTokens takes the run's token statistics so far (its own command's).
func (a *aggregator) setTokens(c llm.Stats) {
	if c.PromptTokens != nil {
		a.prompt = ptr(*c.PromptTokens)
	}
	if c.GeneratedTokens != nil {
		a.generated = ptr(*c.GeneratedTokens)
	}
	if c.GenerationTokensPerSecond != nil {
		a.tps = ptr(*c.GenerationTokensPerSecond)
	}
}

func (a *aggregator) result() Aggregates {
	r := Aggregates{
		Samples:         a.n,
		CPUPeakPercent:  clone(a.cpuPeak),
		RAMPeakBytes:    clone(a.ramPeak),
		VRAMPeakBytes:   clone(a.vramPk),
		PromptTokens:    clone(a.prompt),
		GeneratedTokens: clone(a.generated),
		TokensPerSecond: clone(a.tps),
	}
	if a.cpuN > 0 {
		r.CPUAvgPercent = ptr(a.cpuSum / float64(a.cpuN))
	}
	if a.gpuN > 0 {
		r.GPUUtilAvgPercent = ptr(a.gpuSum / float64(a.gpuN))
	}
	switch {
	case a.counterIvals > 0 && a.powerIvals > 0:
		r.EnergySource = EnergyMixed
	case a.counterIvals > 0:
		r.EnergySource = EnergyCounter
	case a.powerIvals > 0:
		r.EnergySource = EnergyPower
	}
	if r.EnergySource != "" {
		r.EnergyJoules = ptr(a.energy)
		if a.generated != nil && *a.generated > 0 {
			r.JoulesPerToken = ptr(a.energy / float64(*a.generated))
		}
	}
	return r
}

func ptr[T any](v T) *T { return &v }

// clone returns a copy of *p, or nil.
func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return ptr(*p)
}
