//go:build !linux

package procs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/process"
)

// osScanner goes through gopsutil's process package where there is no
// /proc to read; it is slower per process but the same everywhere.
type osScanner struct {
	entries map[int32]*entry
	gen     uint64 // scan counter; entries not seen in a scan are dropped
}

// entry is what a scan keeps about one process for the next.
type entry struct {
	gen     uint64
	created int64 // ms since the epoch; with the PID, identifies the process
	name    string
	user    string
	command string

	cpuSeconds float64 // user+system at cpuAt
	cpuAt      time.Time
}

func newOSScanner() osScanner {
	return osScanner{entries: map[int32]*entry{}}
}

func (o *osScanner) scan(ctx context.Context, now time.Time) ([]Process, error) {
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	cores, _ := cpu.CountsWithContext(ctx, true) // 0 when unknown: no machine-wide share
	o.gen++
	list := make([]Process, 0, len(procs))
	for _, pr := range procs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("scan processes: %w", err)
		}
		e, ok := o.remember(ctx, pr)
		if !ok {
			continue // exited since the listing
		}
		p := Process{PID: pr.Pid, Name: e.name, User: e.user, Command: e.command}
		if ppid, err := pr.PpidWithContext(ctx); err == nil {
			p.PPID = ppid
		}
		if st, err := pr.StatusWithContext(ctx); err == nil && len(st) > 0 {
			p.State = statusName(st[0])
		}
		if e.created > 0 {
			start := time.UnixMilli(e.created).Truncate(time.Second)
			p.StartTime = &start
		}
		if t, err := pr.TimesWithContext(ctx); err == nil && e.created > 0 {
			used := t.User + t.System
			// Only a previous reading of the same process gives an interval;
			// a counter that went backwards gives no value, never 0 or a spike.
			if !e.cpuAt.IsZero() {
				if core, machine, ok := cpuPercents(used-e.cpuSeconds, now.Sub(e.cpuAt).Seconds(), cores); ok {
					p.CPUCorePercent = &core
					if cores > 0 {
						p.CPUPercent = &machine
					}
				}
			}
			e.cpuSeconds, e.cpuAt = used, now
		}
		if m, err := pr.MemoryInfoWithContext(ctx); err == nil {
			p.RSSBytes = &m.RSS
		}
		if n, err := pr.NumThreadsWithContext(ctx); err == nil {
			p.Threads = &n
		}
		list = append(list, p)
	}
	for pid, e := range o.entries {
		if e.gen != o.gen {
			delete(o.entries, pid)
		}
	}
	return list, nil
}

// remember returns the cache entry of pr, reading its name, user and command
// line when it is new. A PID whose creation time changed is a new process
// that reused the number; without a creation time nothing is kept. ok is
// false when the process no longer exists.
func (o *osScanner) remember(ctx context.Context, pr *process.Process) (*entry, bool) {
	created, _ := pr.CreateTimeWithContext(ctx) // 0 when unknown
	e := o.entries[pr.Pid]
	if e != nil && created > 0 && e.created == created {
		e.gen = o.gen
		return e, true
	}
	e = &entry{gen: o.gen, created: created}
	name, err := pr.NameWithContext(ctx)
	if errors.Is(err, process.ErrorProcessNotRunning) {
		return nil, false
	}
	e.name = name
	if user, err := pr.UsernameWithContext(ctx); err == nil {
		e.user = user
	}
	if cmd, err := pr.CmdlineWithContext(ctx); err == nil {
		e.command = cmd
		if cmd == "" && name != "" {
			e.command = "[" + name + "]"
		}
	}
	if created > 0 {
		o.entries[pr.Pid] = e
	} else {
		delete(o.entries, pr.Pid)
	}
	return e, true
}

// statusName maps gopsutil's status words onto the names the Linux scanner
// uses, so the UI shows the same words everywhere.
func statusName(s string) string {
	switch s {
	case process.Running:
		return "running"
	case process.Sleep:
		return "sleeping"
	case process.Stop:
		return "stopped"
	case process.Idle:
		return "idle"
	case process.Zombie:
		return "zombie"
	case process.Wait:
		return "waiting"
	case process.Lock:
		return "locked"
	}
	return s
}

// ownerName names the user that owns pid, or "" when that cannot be read.
func ownerName(pid int32) string {
	ctx := context.Background()
	pr, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return ""
	}
	user, err := pr.UsernameWithContext(ctx)
	if err != nil {
		return ""
	}
	return user
}

// StartTime is when process pid started, in milliseconds since the epoch.
// With the PID it names one process, so that a process recorded earlier can
// be told from a later one given the same id.
func StartTime(pid int) (uint64, error) {
	p, err := process.NewProcess(int32(pid))
	if err != nil {
		return 0, err
	}
	ms, err := p.CreateTime()
	if err != nil {
		return 0, err
	}
	return uint64(ms), nil
}
