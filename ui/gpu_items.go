package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"sysmon/format"
	"sysmon/gpu"
	"sysmon/sampler"
	"sysmon/ui/chart"
)

// gpuItem is a GPU's side-list entry and view: utilisation large, VRAM
// (with the card's total as the ceiling), temperature and power small, and
// the processes using it, largest VRAM first.
func gpuItem(d gpu.Device, h *sampler.History, u format.Units) item {
	series := func(what string) []float64 { return h.Series(sampler.KeyGPU(d.Index, what), nil) }
	it := item{
		id: fmt.Sprintf("gpu/%d", d.Index), title: fmt.Sprintf("GPU %d", d.Index), subtitle: deviceName(d),
		lines: []chart.Line{{Values: series("util"), Color: colorGPU, Fill: true}},
		max:   100, label: percentLabel, legend: "% GPU utilization",
	}
	if d.Lost {
		it.value = "lost: " + d.Error
		it.stats = [][2]string{{"State", "lost"}, {"Error", d.Error}}
		return it
	}
	it.value = format.PercentPtr(d.UtilizationGPUPercent)
	if d.MemoryUsedBytes != nil && d.MemoryTotalBytes != nil {
		it.value += fmt.Sprintf("  %s / %s", u.Bytes(float64(*d.MemoryUsedBytes)), u.Bytes(float64(*d.MemoryTotalBytes)))
	}
	vramMax := 0.0
	if d.MemoryTotalBytes != nil {
		vramMax = float64(*d.MemoryTotalBytes)
	}
	it.small = []smallChart{
		{caption: "VRAM used  " + bytesPtr(d.MemoryUsedBytes, u), max: vramMax, label: u.Bytes, axes: true,
			lines: []chart.Line{{Values: series("vram"), Color: colorMemory, Fill: true}}},
		{caption: "Temperature  " + format.FloatPtr(d.TemperatureCelsius, 0, "°C"), max: 100, axes: true,
			label: func(v float64) string { return fmt.Sprintf("%.0f °C", v) },
			lines: []chart.Line{{Values: series("temp"), Color: colorTemp}}},
		{caption: "Power  " + format.FloatPtr(d.PowerWatts, 0, "W"), max: derefOr(d.PowerLimitWatts, 0), axes: true,
			label: func(v float64) string { return fmt.Sprintf("%.0f W", v) },
			lines: []chart.Line{{Values: series("power"), Color: colorPower, Fill: true}}},
	}
	it.stats = [][2]string{
		{"Utilization", format.PercentPtr(d.UtilizationGPUPercent)},
		{"Memory controller", format.PercentPtr(d.UtilizationMemoryPercent)},
		{"VRAM used", bytesPtr(d.MemoryUsedBytes, u)},
		{"VRAM free", bytesPtr(d.MemoryFreeBytes, u) + " of " + bytesPtr(d.MemoryTotalBytes, u)},
		{"Temperature", format.FloatPtr(d.TemperatureCelsius, 0, "°C")},
		{"Power", format.FloatPtr(d.PowerWatts, 1, "W")},
		{"Power limit", format.FloatPtr(d.PowerLimitWatts, 0, "W")},
		{"Energy since driver load", energyText(d.EnergyJoules)},
		{"Fan", format.FloatPtr(d.FanPercent, 0, "%")},
		{"SM clock", mhz(d.SMClockMHz)},
		{"Memory clock", mhz(d.MemoryClockMHz)},
		{"Throttling", throttleText(d.ThrottleReasons)},
		{"PCIe link", pcieText(d)},
		{"Bus ID", d.PCIBusID},
	}
	procs := slices.Clone(d.Processes)
	slices.SortFunc(procs, func(a, b gpu.Process) int {
		return cmp.Compare(derefOr(b.MemoryUsedBytes, 0), derefOr(a.MemoryUsedBytes, 0))
	})
	memUnknown := false
	for _, p := range procs {
		name := p.Name
		if name == "" {
			name = format.NA
		}
		memUnknown = memUnknown || p.MemoryUsedBytes == nil
		it.stats = append(it.stats, [2]string{fmt.Sprintf("%s (PID %d)", name, p.PID),
			fmt.Sprintf("%s VRAM, %s", bytesPtr(p.MemoryUsedBytes, u), p.Type)})
	}
	// A bare "n/a" beside real numbers reads like a glitch; under WDDM the
	// driver never reports per-process VRAM, so say that it cannot.
	if memUnknown {
		it.stats = append(it.stats, [2]string{"Per-process VRAM", vramUnknownNote})
	}
	if len(procs) == 0 && d.Processes != nil {
		it.stats = append(it.stats, [2]string{"Processes", "none using this GPU"})
	}
	return it
}

// vramUnknownNote explains processes listed with "n/a VRAM".
const vramUnknownNote = "n/a where the driver does not report it (always on Windows with WDDM drivers)"

// gpuBanner is the always-visible line naming each GPU, or why there is none.
func gpuBanner(st *gpu.Status, u format.Units) (text string, ok bool) {
	if st == nil {
		return "Looking for NVIDIA GPUs…", true
	}
	if !st.Present {
		return "No NVIDIA GPU detected: " + st.Reason, false
	}
	var parts []string
	for _, d := range st.Devices {
		if d.Lost {
			parts = append(parts, deviceName(d)+" - LOST")
			continue
		}
		p := []string{deviceName(d)}
		if st.DriverVersion != "" {
			p = append(p, "driver "+st.DriverVersion)
		}
		if st.CUDAVersion != "" {
			p = append(p, "CUDA "+st.CUDAVersion)
		}
		if d.MemoryTotalBytes != nil {
			p = append(p, u.Bytes(float64(*d.MemoryTotalBytes)))
		}
		parts = append(parts, strings.Join(p, " - "))
	}
	return strings.Join(parts, "   |   "), true
}

// deviceName is the GPU's name, or "GPU N" when it was lost before it
// told its name.
func deviceName(d gpu.Device) string {
	if d.Name == "" {
		return fmt.Sprintf("GPU %d", d.Index)
	}
	return d.Name
}

func bytesPtr(v *uint64, u format.Units) string {
	if v == nil {
		return format.NA
	}
	return u.Bytes(float64(*v))
}

func mhz(v *uint32) string {
	if v == nil {
		return format.NA
	}
	return fmt.Sprintf("%d MHz", *v)
}

func energyText(j *float64) string {
	if j == nil {
		return format.NA
	}
	return fmt.Sprintf("%.1f kJ (%.3f kWh)", *j/1e3, *j/3.6e6)
}

func throttleText(r []string) string {
	switch {
	case r == nil:
		return format.NA
	case len(r) == 0:
		return "none"
	}
	return strings.Join(r, ", ")
}

func pcieText(d gpu.Device) string {
	if d.PCIeLinkGen == nil || d.PCIeLinkWidth == nil {
		return format.NA
	}
	return fmt.Sprintf("Gen %d x%d", *d.PCIeLinkGen, *d.PCIeLinkWidth)
}

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
