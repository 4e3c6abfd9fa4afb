//go:build !linux

package sampler

import (
	"context"

	"github.com/shirou/gopsutil/v4/disk"
)

// physicalDisks lists every disk the OS reports I/O counters for; outside
// Linux gopsutil already returns whole disks only.
func physicalDisks(ctx context.Context) ([]string, error) {
	counters, err := disk.IOCountersWithContext(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(counters))
	for name := range counters {
		names = append(names, name)
	}
	return names, nil
}
