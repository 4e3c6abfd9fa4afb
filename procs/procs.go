// Package procs lists the machine's processes for the Processes tab and for
// `sysmon snapshot --processes N`: identity, owner, state, CPU share, resident
// memory and command line, plus the helpers that rank them and signal one.
//
// On Linux a Scanner reads /proc itself (one small file per known process per
// scan); elsewhere it goes through gopsutil's process package.
package procs

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// Process is one process as seen by one scan. Units are base units (bytes,
// percent). A value that could not be read is absent: a nil pointer, or an
// empty string for User and Command, omitted in JSON.
type Process struct {
	PID  int32 `json:"pid"`
	PPID int32 `json:"ppid"`
	// Name is the kernel's short name for the process (comm on Linux).
	Name string `json:"name"`
	// User owns the process (effective user); a numeric id when the id has
	// no name on this machine.
	User string `json:"user,omitempty"`
	// State is one of running, sleeping, disk sleep, stopped, tracing stop,
	// zombie, dead, idle, parked, waking, wakekill (Linux), or the raw state
	// letter when the kernel reports one this package does not know.
	State string `json:"state,omitempty"`
	// CPUPercent is the share of the whole machine used since the previous
	// scan, 0-100 with 100 = every logical core busy. Absent in the first
	// scan that sees the process and whenever the interval gave no valid value.
	CPUPercent *float64 `json:"cpu_percent,omitempty"`
	// CPUCorePercent is the same time relative to one core (100 = one core
	// busy), as top shows it: a process with 4 busy threads reads 400.
	CPUCorePercent *float64 `json:"cpu_core_percent,omitempty"`
	RSSBytes       *uint64  `json:"rss_bytes,omitempty"`
	Threads        *int32   `json:"threads,omitempty"`
	// StartTime is when the process started, to the second: Linux derives it
	// from the boot time, which it only gives in whole seconds.
	StartTime *time.Time `json:"start_time,omitempty"`
	// Command is the command line, arguments joined by spaces, or "[name]"
	// for a process without one (kernel threads, zombies).
	Command string `json:"command,omitempty"`
}

// Scanner lists processes and remembers per process what the next scan needs:
// the CPU counters of this scan, for CPU %, and the details that do not change
// while a process lives (user, command line), so a steady-state scan reads as
// little as possible. Each consumer should own its Scanner, because CPU %
// covers the interval since that Scanner's previous scan.
type Scanner struct {
	mu  sync.Mutex
	now func() time.Time // monotonic clock; tests step it by hand
	sys osScanner
}

// NewScanner returns a Scanner whose first scan has no CPU percentages.
func NewScanner() *Scanner {
	return &Scanner{now: time.Now, sys: newOSScanner()}
}

// Scan lists every process. Processes that exit while being read are left
// out and values that cannot be read are absent; an error means the process
// list itself could not be read or ctx ended. Scans are serialised because
// each one measures CPU % from the one before.
func (s *Scanner) Scan(ctx context.Context) ([]Process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list, err := s.sys.scan(ctx, s.now())
	slices.SortFunc(list, func(a, b Process) int { return cmp.Compare(a.PID, b.PID) })
	return list, err
}

// By selects the value Top ranks processes by.
type By int

const (
	// ByCPU ranks by CPUPercent.
	ByCPU By = iota
	// ByMemory ranks by RSSBytes.
	ByMemory
)

// Top returns at most n processes with the highest value of by, highest
// first, ties in PID order. Processes without that value are left out, so
// the first scan gives no CPU ranking rather than an arbitrary one. The list
// is not modified.
func Top(list []Process, n int, by By) []Process {
	type ranked struct {
		v float64
		p *Process
	}
	var rs []ranked
	for i := range list {
		if v, ok := rankValue(&list[i], by); ok {
			rs = append(rs, ranked{v, &list[i]})
		}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return cmp.Compare(a.p.PID, b.p.PID)
	})
	var top []Process
	for _, r := range rs[:min(max(n, 0), len(rs))] {
		top = append(top, *r.p)
	}
	return top
}

func rankValue(p *Process, by By) (float64, bool) {
	switch by {
	case ByCPU:
		if p.CPUPercent != nil {
			return *p.CPUPercent, true
		}
	case ByMemory:
		if p.RSSBytes != nil {
			return float64(*p.RSSBytes), true
		}
	}
	return 0, false
}

// cpuPercents turns the CPU seconds a process used over elapsed seconds into
// its share of one core and, when the number of cores is known (cores > 0),
// of the whole machine. A negative use (counters went backwards) or no
// elapsed time gives no value rather than a negative or infinite one. Tick
// granularity can put a busy process slightly over its ceiling, which is
// clamped: all cores cannot be more than fully busy.
func cpuPercents(used, elapsed float64, cores int) (core, machine float64, ok bool) {
	if used < 0 || elapsed <= 0 {
		return 0, 0, false
	}
	core = 100 * used / elapsed
	if cores > 0 {
		core = min(core, 100*float64(cores))
		machine = core / float64(cores)
	}
	return core, machine, true
}
