package sampler

import (
	"context"
	"os"
	"path/filepath"

	"github.com/shirou/gopsutil/v4/common"
)

// hostPath resolves a path under /proc or /sys, honouring HOST_PROC and
// HOST_SYS from the context or the environment the way gopsutil does, so
// tests can point every source at one fixture tree.
func hostPath(ctx context.Context, key common.EnvKeyType, path string) string {
	root := ""
	if env, ok := ctx.Value(common.EnvKey).(common.EnvMap); ok {
		root = env[key]
	}
	if root == "" {
		root = os.Getenv(string(key))
	}
	if root == "" {
		root = map[common.EnvKeyType]string{common.HostProcEnvKey: "/proc", common.HostSysEnvKey: "/sys"}[key]
	}
	return filepath.Join(root, path)
}
