package sampler

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/shirou/gopsutil/v4/disk"
)

// diskSource reports the throughput of each physical disk. Partitions and
// virtual devices (loop, device-mapper, zram) are left out: their I/O is
// already counted on the disk below them.
type diskSource struct {
	prev     map[string]disk.IOCountersStat
	prevTick Tick
}

func (d *diskSource) Name() string { return "disks" }

func (d *diskSource) Collect(ctx context.Context, t Tick) (func(*Sample), error) {
	names, err := physicalDisks(ctx)
	if err != nil {
		return nil, fmt.Errorf("list disks: %w", err)
	}
	if len(names) == 0 {
		return func(s *Sample) { s.Disks = nil }, nil
	}
	counters, err := disk.IOCountersWithContext(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("read disk counters: %w", err)
	}
	seconds := t.Since(d.prevTick)
	out := make([]Disk, 0, len(counters))
	for name, c := range counters {
		row := Disk{Name: name, ReadBytesTotal: c.ReadBytes, WriteBytesTotal: c.WriteBytes}
		if p, ok := d.prev[name]; ok {
			row.ReadBytesPerSec = rate(p.ReadBytes, c.ReadBytes, seconds)
			row.WriteBytesPerSec = rate(p.WriteBytes, c.WriteBytes, seconds)
			if busy := rate(p.IoTime, c.IoTime, seconds); busy != nil {
				// io_ticks is in milliseconds of the interval with I/O in flight.
				row.BusyPercent = ptr(math.Min(100, *busy/10))
			}
		}
		out = append(out, row)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	d.prev, d.prevTick = counters, t
	return func(s *Sample) { s.Disks = out }, nil
}
