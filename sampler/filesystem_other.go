//go:build !linux

package sampler

import (
	"context"

	"github.com/shirou/gopsutil/v4/disk"
)

// listMounts uses gopsutil's partition list, which outside Linux already
// holds each volume once.
func listMounts(ctx context.Context) ([]mount, error) {
	parts, err := disk.PartitionsWithContext(ctx, false)
	if err != nil {
		return nil, err
	}
	out := make([]mount, 0, len(parts))
	for _, p := range parts {
		out = append(out, mount{Root: "/", Mountpoint: p.Mountpoint, FSType: p.Fstype, Source: p.Device, Physical: true})
	}
	return out, nil
}
