package sampler

import (
	"context"
	"fmt"

	"github.com/shirou/gopsutil/v4/mem"
)

type memorySource struct{}

func (memorySource) Name() string { return "memory" }

func (memorySource) Collect(ctx context.Context, _ Tick) (func(*Sample), error) {
	vm, err := mem.VirtualMemoryWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("read memory: %w", err)
	}
	out := memoryFrom(vm)
	if sw, err := mem.SwapMemoryWithContext(ctx); err == nil {
		out.SwapTotalBytes, out.SwapUsedBytes, out.SwapFreeBytes = sw.Total, sw.Used, sw.Free
		if sw.Total > 0 {
			out.SwapUsedPercent = ptr(100 * float64(sw.Used) / float64(sw.Total))
		}
	}
	return func(s *Sample) { s.Memory = out }, nil
}

// memoryFrom computes used memory the way procps free does, total minus
// available, so the number matches what users compare it with; used percent
// is derived from the same two numbers so they never disagree.
func memoryFrom(vm *mem.VirtualMemoryStat) *Memory {
	m := &Memory{
		TotalBytes:     vm.Total,
		AvailableBytes: vm.Available,
		FreeBytes:      vm.Free,
		CachedBytes:    vm.Cached,
		BuffersBytes:   vm.Buffers,
	}
	if vm.Total >= vm.Available {
		m.UsedBytes = vm.Total - vm.Available
	}
	if vm.Total > 0 {
		m.UsedPercent = 100 * float64(m.UsedBytes) / float64(vm.Total)
	}
	return m
}
