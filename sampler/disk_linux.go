package sampler

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/shirou/gopsutil/v4/common"
)

// physicalDisks lists block devices backed by hardware: those with a
// /sys/block/NAME/device link. Loop, device-mapper, md and zram devices have
// none. The list is read every tick so hot-plugged disks appear.
func physicalDisks(ctx context.Context) ([]string, error) {
	dir := hostPath(ctx, common.HostSysEnvKey, "block")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "loop") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "device")); err == nil {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
