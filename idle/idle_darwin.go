package idle

import (
	"context"
	"fmt"
	"os/exec"
	"time"
)

func openPlatform(ctx context.Context) Detector {
	return assemble(ctx,
		[]source{{name: "macos-iokit", idle: ioregIdle}},
		[]inhibitor{{name: "pmset", active: pmsetInhibited}},
		nil, nil)
}

// ioregIdle asks ioreg rather than IOKit directly to stay free of cgo.
func ioregIdle(ctx context.Context) (time.Duration, error) {
	out, err := exec.CommandContext(ctx, "ioreg", "-r", "-c", "IOHIDSystem", "-d", "1").Output()
	if err != nil {
		return 0, fmt.Errorf("ioreg: %w", err)
	}
	return parseHIDIdleTime(out)
}

func pmsetInhibited(ctx context.Context) (bool, error) {
	out, err := exec.CommandContext(ctx, "pmset", "-g", "assertions").Output()
	if err != nil {
		return false, fmt.Errorf("pmset: %w", err)
	}
	return parsePreventDisplaySleep(out)
}
