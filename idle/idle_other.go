//go:build !linux && !windows && !darwin

package idle

import (
	"context"
	"runtime"
)

func openPlatform(ctx context.Context) Detector {
	return assemble(ctx, nil, nil, nil, []string{"no idle backend for " + runtime.GOOS})
}
