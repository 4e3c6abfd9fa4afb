package sampler

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/shirou/gopsutil/v4/common"
)

// listMounts reads /proc/self/mountinfo. It is parsed here rather than
// through gopsutil's Partitions because deduplicating bind mounts needs the
// mount root and device ID, which PartitionStat does not carry.
func listMounts(ctx context.Context) ([]mount, error) {
	data, err := os.ReadFile(hostPath(ctx, common.HostProcEnvKey, "self/mountinfo"))
	if err != nil {
		return nil, err
	}
	return parseMountinfo(data)
}

// parseMountinfo parses proc_pid_mountinfo(5):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//	id parent maj:min root mountpoint options [optional...] - fstype source superoptions
func parseMountinfo(data []byte) ([]mount, error) {
	var out []mount
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 6 || len(g) < 2 {
			return nil, fmt.Errorf("mountinfo line %d: malformed: %q", n, line)
		}
		out = append(out, mount{
			DeviceID:   f[2],
			Root:       unescapeOctal(f[3]),
			Mountpoint: unescapeOctal(f[4]),
			FSType:     g[0],
			Source:     unescapeOctal(g[1]),
			ReadOnly:   hasOption(f[5], "ro"),
			Physical:   strings.HasPrefix(g[1], "/dev/"),
		})
	}
	return out, sc.Err()
}

func hasOption(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// unescapeOctal undoes the kernel's \ooo escaping of spaces, tabs, newlines
// and backslashes in mountinfo paths.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
