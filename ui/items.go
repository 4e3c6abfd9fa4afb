package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"sysmon/format"
	"sysmon/sampler"
	"sysmon/ui/chart"
)

// item is one entry of the Performance side list and the detail shown when
// it is selected, computed from a Sample and the History off the UI thread.
type item struct {
	id       string
	title    string
	subtitle string // model, device or interface details
	value    string // the short current value beside the sparkline
	lines    []chart.Line
	max      float64 // fixed y-axis top; 0 scales to the data
	base     float64 // prefix step of the values (1024 for KiB), for round axis tops
	label    func(float64) string
	legend   string
	stats    [][2]string
	// small are the charts under the large one: one per core for the CPU,
	// VRAM, temperature and power for a GPU.
	small []smallChart
}

// smallChart is one of the charts under the large one.
type smallChart struct {
	caption string
	lines   []chart.Line
	max     float64
	label   func(float64) string
	axes    bool
}

// sparkPoints is how much of the History a sparkline shows: the last minute
// at the default interval.
const sparkPoints = 60

func percentLabel(v float64) string { return fmt.Sprintf("%.0f %%", v) }

// buildItems lists what the Performance view shows for one Sample.
func buildItems(s *sampler.Sample, h *sampler.History, u format.Units) []item {
	var out []item
	if c := s.CPU; c != nil {
		it := item{
			id: "cpu", title: "CPU", subtitle: c.Model, value: format.PercentPtr(c.TotalPercent),
			lines: []chart.Line{{Values: h.Series(sampler.KeyCPU, nil), Color: colorCPU, Fill: true}},
			max:   100, label: percentLabel, legend: "% utilization of all cores",
		}
		it.stats = [][2]string{
			{"Utilization", format.PercentPtr(c.TotalPercent)},
			{"Cores", coreCount(c)},
			{"Load average", loadAvg(c)},
		}
		if s.Host != nil {
			it.stats = append(it.stats, [2]string{"Up time", format.Duration(s.Host.UptimeSeconds)})
		}
		for i, p := range c.PerCorePercent {
			it.small = append(it.small, smallChart{
				caption: fmt.Sprintf("CPU %d  %s", i, format.PercentPtr(p)), max: 100,
				lines: []chart.Line{{Values: h.Series(sampler.KeyCore(i), nil), Color: colorCPU, Fill: true}},
			})
		}
		out = append(out, it)
	}
	if m := s.Memory; m != nil {
		it := item{
			id: "memory", title: "Memory", subtitle: u.Bytes(float64(m.TotalBytes)) + " total",
			value: fmt.Sprintf("%s / %s (%s)", u.Bytes(float64(m.UsedBytes)), u.Bytes(float64(m.TotalBytes)), format.Percent(m.UsedPercent)),
			lines: []chart.Line{{Values: h.Series(sampler.KeyMemory, nil), Color: colorMemory, Fill: true}},
			max:   100, label: percentLabel, legend: "% in use (total - available, as free(1) counts it)",
			stats: [][2]string{
				{"In use", u.Bytes(float64(m.UsedBytes))},
				{"Available", u.Bytes(float64(m.AvailableBytes))},
				{"Cached", u.Bytes(float64(m.CachedBytes))},
				{"Buffers", u.Bytes(float64(m.BuffersBytes))},
				{"Free", u.Bytes(float64(m.FreeBytes))},
				{"Swap", swapText(m, u)},
			},
		}
		out = append(out, it)
	}
	for _, d := range s.Disks {
		it := item{
			id: "disk/" + d.Name, title: "Disk " + d.Name, subtitle: "/dev/" + d.Name,
			value: "R " + rateText(d.ReadBytesPerSec, u) + "  W " + rateText(d.WriteBytesPerSec, u),
			lines: []chart.Line{
				{Values: h.Series(sampler.KeyDiskRead(d.Name), nil), Color: colorRead, Fill: true},
				{Values: h.Series(sampler.KeyDiskWrite(d.Name), nil), Color: colorWrite},
			},
			label: u.Rate, base: u.Base(), legend: "green: read   orange: write",
			stats: [][2]string{
				{"Read", rateText(d.ReadBytesPerSec, u)},
				{"Write", rateText(d.WriteBytesPerSec, u)},
				{"Active time", format.PercentPtr(d.BusyPercent)},
				{"Read since boot", u.Bytes(float64(d.ReadBytesTotal))},
				{"Written since boot", u.Bytes(float64(d.WriteBytesTotal))},
			},
		}
		for _, fs := range s.Filesystems {
			if onDisk(fs.Device, d.Name) {
				it.stats = append(it.stats, [2]string{fs.Mountpoint, fmt.Sprintf("%s of %s used (%s), %s",
					u.Bytes(float64(fs.UsedBytes)), u.Bytes(float64(fs.TotalBytes)), format.Percent(fs.UsedPercent), fs.FSType)})
			}
		}
		out = append(out, it)
	}
	for _, n := range s.Network {
		if n.RxBytesTotal == 0 && n.TxBytesTotal == 0 {
			continue // never used: dummy and down interfaces would only add noise
		}
		out = append(out, item{
			id: "net/" + n.Name, title: "Network " + n.Name, subtitle: "interface " + n.Name,
			value: "Rx " + rateText(n.RxBytesPerSec, u) + "  Tx " + rateText(n.TxBytesPerSec, u),
			lines: []chart.Line{
				{Values: h.Series(sampler.KeyNetRx(n.Name), nil), Color: colorRx, Fill: true},
				{Values: h.Series(sampler.KeyNetTx(n.Name), nil), Color: colorTx},
			},
			label: u.Rate, base: u.Base(), legend: "pink: received   teal: sent",
			stats: [][2]string{
				{"Receive", rateText(n.RxBytesPerSec, u)},
				{"Send", rateText(n.TxBytesPerSec, u)},
				{"Received since boot", u.Bytes(float64(n.RxBytesTotal))},
				{"Sent since boot", u.Bytes(float64(n.TxBytesTotal))},
			},
		})
	}
	if s.GPU != nil {
		for _, d := range s.GPU.Devices {
			out = append(out, gpuItem(d, h, u))
		}
	}
	if it, ok := llmItem(s, h, u); ok {
		out = append(out, it)
	}
	return out
}

// onDisk says whether a filesystem's device is a partition of disk.
func onDisk(device, disk string) bool {
	base := filepath.Base(device)
	return strings.HasPrefix(device, "/dev/") && strings.HasPrefix(base, disk)
}

func rateText(v *float64, u format.Units) string {
	if v == nil {
		return format.NA
	}
	return u.Rate(*v)
}

func coreCount(c *sampler.CPU) string {
	if c.PhysicalCores > 0 && c.PhysicalCores != c.LogicalCores {
		return fmt.Sprintf("%d physical, %d logical", c.PhysicalCores, c.LogicalCores)
	}
	return fmt.Sprintf("%d", c.LogicalCores)
}

func loadAvg(c *sampler.CPU) string {
	if c.Load1 == nil || c.Load5 == nil || c.Load15 == nil {
		return format.NA
	}
	return fmt.Sprintf("%.2f  %.2f  %.2f", *c.Load1, *c.Load5, *c.Load15)
}

func swapText(m *sampler.Memory, u format.Units) string {
	if m.SwapTotalBytes == 0 {
		return "none"
	}
	return fmt.Sprintf("%s / %s", u.Bytes(float64(m.SwapUsedBytes)), u.Bytes(float64(m.SwapTotalBytes)))
}
