// Package snapshot prints one Sample for people (aligned text) or for
// scripts (JSON with the stable field names documented in the README).
package snapshot

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"sysmon/format"
	"sysmon/idle"
	"sysmon/sampler"
)

// JSON writes the Sample as indented JSON.
func JSON(w io.Writer, s *sampler.Sample) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// Text writes the Sample as readable sections. Absent values print "n/a".
func Text(w io.Writer, s *sampler.Sample, u format.Units) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(f string, a ...any) { fmt.Fprintf(tw, f+"\n", a...) }
	if h := s.Host; h != nil {
		p("Host\t%s (%s %s, kernel %s, %s), up %s", h.Hostname, h.Platform, h.PlatformVersion, h.Kernel, h.Arch,
			format.Duration(h.UptimeSeconds))
	}
	if c := s.CPU; c != nil {
		p("CPU\t%s  %s, %d logical cores", format.PercentPtr(c.TotalPercent), c.Model, c.LogicalCores)
		for i, v := range c.PerCorePercent {
			p("  core %d\t%s", i, format.PercentPtr(v))
		}
		if c.Load1 != nil && c.Load5 != nil && c.Load15 != nil {
			p("  load\t%.2f %.2f %.2f", *c.Load1, *c.Load5, *c.Load15)
		}
	}
	if m := s.Memory; m != nil {
		p("Memory\t%s of %s used (%s), %s available, %s cached", u.Bytes(float64(m.UsedBytes)),
			u.Bytes(float64(m.TotalBytes)), format.Percent(m.UsedPercent), u.Bytes(float64(m.AvailableBytes)),
			u.Bytes(float64(m.CachedBytes)))
		if m.SwapTotalBytes == 0 {
			p("Swap\tnone")
		} else {
			p("Swap\t%s of %s used", u.Bytes(float64(m.SwapUsedBytes)), u.Bytes(float64(m.SwapTotalBytes)))
		}
	}
	for _, f := range s.Filesystems {
		p("Filesystem %s\t%s of %s used (%s), %s free  [%s %s]", f.Mountpoint, u.Bytes(float64(f.UsedBytes)),
			u.Bytes(float64(f.TotalBytes)), format.Percent(f.UsedPercent), u.Bytes(float64(f.FreeBytes)), f.Device, f.FSType)
	}
	for _, d := range s.Disks {
		p("Disk %s\tread %s  write %s  active %s", d.Name, rate(u, d.ReadBytesPerSec), rate(u, d.WriteBytesPerSec),
			format.PercentPtr(d.BusyPercent))
	}
	for _, n := range s.Network {
		p("Network %s\trx %s  tx %s  (totals %s / %s)", n.Name, rate(u, n.RxBytesPerSec), rate(u, n.TxBytesPerSec),
			u.Bytes(float64(n.RxBytesTotal)), u.Bytes(float64(n.TxBytesTotal)))
	}
	if g := s.GPU; g != nil {
		if !g.Present {
			p("GPU\tno NVIDIA GPU detected: %s", g.Reason)
		}
		for _, d := range g.Devices {
			if d.Lost {
				p("GPU %d\tlost (%s)", d.Index, d.Error)
				continue
			}
			p("GPU %d\t%s  %s, VRAM %s of %s, %s, %s", d.Index, d.Name, format.PercentPtr(d.UtilizationGPUPercent),
				bytes(u, d.MemoryUsedBytes), bytes(u, d.MemoryTotalBytes), format.FloatPtr(d.TemperatureCelsius, 0, "°C"),
				format.FloatPtr(d.PowerWatts, 0, "W"))
			for _, pr := range d.Processes {
				p("  PID %d\t%s  %s VRAM", pr.PID, pr.Name, bytes(u, pr.MemoryUsedBytes))
			}
		}
	}
	if i := s.Idle; i != nil {
		switch i.State {
		case idle.StateUnknown:
			p("User\tAFK state unknown: %s", i.Reason)
		default:
			p("User\t%s, no input for %s (%s; away after %s)", i.State, format.Duration(derefOr(i.IdleSeconds, -1)),
				i.Backend, format.Duration(i.ThresholdSeconds))
		}
	}
	if ps := s.Processes; ps != nil {
		p("Processes\t%d", ps.Count)
		for _, pr := range ps.TopCPU {
			p("  top CPU\t%s  PID %d  %s  %s", format.PercentPtr(pr.CPUPercent), pr.PID, pr.Name, bytes(u, pr.RSSBytes))
		}
		for _, pr := range ps.TopMemory {
			p("  top memory\t%s  PID %d  %s  %s", bytes(u, pr.RSSBytes), pr.PID, pr.Name, format.PercentPtr(pr.CPUPercent))
		}
	}
	for name, err := range s.Errors {
		p("Error %s\t%s", name, err)
	}
	return tw.Flush()
}

func rate(u format.Units, v *float64) string {
	if v == nil {
		return format.NA
	}
	return u.Rate(*v)
}

func bytes(u format.Units, v *uint64) string {
	if v == nil {
		return format.NA
	}
	return u.Bytes(float64(*v))
}

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
