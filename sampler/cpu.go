package sampler

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/load"
)

// cpuSource computes utilisation from deltas of the kernel's tick counters
// (/proc/stat) itself rather than with gopsutil's Percent, whose hidden global
// state breaks with two callers and which counts counters that went
// backwards as busy or idle time.
type cpuSource struct {
	model         string
	physicalCores int
	logicalCores  int
	prevTotal     *cpu.TimesStat
	prevCores     []cpu.TimesStat
	// coresLogged is set once a per-core failure has been logged.
	coresLogged bool
}

func (c *cpuSource) Name() string { return "cpu" }

func (c *cpuSource) Collect(ctx context.Context, _ Tick) (func(*Sample), error) {
	if c.model == "" {
		// Identity does not change while running: read it once.
		if infos, err := cpu.InfoWithContext(ctx); err == nil && len(infos) > 0 {
			c.model = infos[0].ModelName
		}
		if n, err := cpu.CountsWithContext(ctx, false); err == nil {
			c.physicalCores = n
		}
		if n, err := cpu.CountsWithContext(ctx, true); err == nil {
			c.logicalCores = n
		}
	}
	total, err := cpu.TimesWithContext(ctx, false)
	if err != nil || len(total) == 0 {
		return nil, fmt.Errorf("read cpu times: %w", orNoData(err))
	}
	cores, err := cpu.TimesWithContext(ctx, true)
	if err != nil {
		// Per-core counters can fail where the total does not (gopsutil
		// reads them on Windows with NtQuerySystemInformationEx, which Wine
		// lacks): the total is still worth showing, per-core values stay absent.
		if !c.coresLogged {
			slog.Info("no per-core CPU times", "err", err)
			c.coresLogged = true
		}
		cores = nil
	}
	out := &CPU{Model: c.model, PhysicalCores: c.physicalCores, LogicalCores: len(cores)}
	if len(cores) == 0 {
		out.LogicalCores = c.logicalCores
	}
	if c.prevTotal != nil {
		if p, ok := busyPercent(*c.prevTotal, total[0]); ok {
			out.TotalPercent = ptr(p)
		}
	}
	if len(cores) > 0 && len(c.prevCores) == len(cores) {
		out.PerCorePercent = make([]*float64, len(cores))
		for i := range cores {
			// A core taken offline shifts the lines; compare only like with like.
			if c.prevCores[i].CPU != cores[i].CPU {
				continue
			}
			if p, ok := busyPercent(c.prevCores[i], cores[i]); ok {
				out.PerCorePercent[i] = ptr(p)
			}
		}
	}
	c.prevTotal, c.prevCores = &total[0], cores

	if avg, err := load.AvgWithContext(ctx); err == nil {
		out.Load1, out.Load5, out.Load15 = ptr(avg.Load1), ptr(avg.Load5), ptr(avg.Load15)
	}
	return func(s *Sample) { s.CPU = out }, nil
}

// busyPercent is the busy share of the ticks elapsed between two readings of
// one CPU's counters.
//
// Guest and guest_nice are left out: the kernel already counts them inside
// user and nice, so adding them counts that time twice. A column that went
// backwards (steal in some VMs) is ignored rather than subtracted. If the idle
// columns went backwards (seen after suspend) the interval says nothing about
// how idle the CPU was, so there is no value rather than a false 100 %. No
// elapsed ticks (first or identical readings) is no value, never 0 %.
func busyPercent(prev, cur cpu.TimesStat) (float64, bool) {
	idle := (cur.Idle + cur.Iowait) - (prev.Idle + prev.Iowait)
	if idle < 0 {
		return 0, false
	}
	busy := nonNegative(cur.User-prev.User) + nonNegative(cur.Nice-prev.Nice) +
		nonNegative(cur.System-prev.System) + nonNegative(cur.Irq-prev.Irq) +
		nonNegative(cur.Softirq-prev.Softirq) + nonNegative(cur.Steal-prev.Steal)
	total := busy + idle
	if total <= 0 {
		return 0, false
	}
	return 100 * busy / total, true
}

func nonNegative(v float64) float64 {
	if v < 0 {
		return 0
	}
	return v
}

func orNoData(err error) error {
	if err == nil {
		return ErrNoData
	}
	return err
}
