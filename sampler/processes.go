package sampler

import (
	"context"
	"fmt"

	"sysmon/procs"
)

// Processes is the busiest part of the process table: the top N by CPU and
// by memory.
type Processes struct {
	Count     int             `json:"count"`
	TopCPU    []procs.Process `json:"top_cpu"`
	TopMemory []procs.Process `json:"top_memory"`
}

// processSource scans every process each tick and keeps the top n. It is
// for snapshots and scripts; the window scans on its own, and only while
// its Processes tab is showing.
type processSource struct {
	scanner *procs.Scanner
	n       int
}

// NewProcessSource reports the top n processes by CPU and by memory.
func NewProcessSource(n int) Source { return processSource{procs.NewScanner(), n} }

func (processSource) Name() string { return "processes" }

func (p processSource) Collect(ctx context.Context, _ Tick) (func(*Sample), error) {
	list, err := p.scanner.Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("scan processes: %w", err)
	}
	out := &Processes{Count: len(list), TopCPU: procs.Top(list, p.n, procs.ByCPU), TopMemory: procs.Top(list, p.n, procs.ByMemory)}
	return func(s *Sample) { s.Processes = out }, nil
}
