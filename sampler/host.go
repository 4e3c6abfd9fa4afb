package sampler

import (
	"context"
	"fmt"
	"runtime"

	"github.com/shirou/gopsutil/v4/host"
)

// hostSource reads the machine's identity once and its uptime every tick.
type hostSource struct {
	info *Host
}

func (h *hostSource) Name() string { return "host" }

func (h *hostSource) Collect(ctx context.Context, _ Tick) (func(*Sample), error) {
	if h.info == nil {
		// host.Info reads many files (os-release, utmp, ...): once is enough.
		i, err := host.InfoWithContext(ctx)
		if err != nil {
			return nil, fmt.Errorf("read host info: %w", err)
		}
		h.info = &Host{
			Hostname: i.Hostname, OS: i.OS, Platform: i.Platform, PlatformVersion: i.PlatformVersion,
			Kernel: i.KernelVersion, Arch: runtime.GOARCH,
		}
	}
	up, err := host.UptimeWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("read uptime: %w", err)
	}
	out := *h.info
	out.UptimeSeconds = float64(up)
	return func(s *Sample) { s.Host = &out }, nil
}
