package sampler

import (
	"context"
	"fmt"
	"sort"

	"github.com/shirou/gopsutil/v4/disk"
)

// mount is one mounted filesystem as listed by the OS, before deduplication.
type mount struct {
	DeviceID   string // "major:minor" on Linux; the same for every bind of one filesystem
	Root       string // the directory of the filesystem mounted here; "/" for a whole mount
	Mountpoint string
	FSType     string
	Source     string
	ReadOnly   bool
	// Physical is set when Source is a block device (or, outside Linux, a
	// volume the OS lists as a partition).
	Physical bool
}

// filesystemSource lists real filesystems once per device with their usage.
type filesystemSource struct {
	// ShowAll includes read-only images (snap squashfs, ISO) that are always
	// "full" by construction and would otherwise look like full disks.
	ShowAll bool
}

func (f *filesystemSource) Name() string { return "filesystems" }

func (f *filesystemSource) Collect(ctx context.Context, _ Tick) (func(*Sample), error) {
	mounts, err := listMounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list mounts: %w", err)
	}
	var out []Filesystem
	for _, m := range selectMounts(mounts, f.ShowAll) {
		u, err := disk.UsageWithContext(ctx, m.Mountpoint)
		if err != nil || u.Total == 0 {
			continue
		}
		out = append(out, Filesystem{
			Device: m.Source, Mountpoint: m.Mountpoint, FSType: m.FSType, ReadOnly: m.ReadOnly,
			TotalBytes: u.Total, UsedBytes: u.Used, FreeBytes: u.Free, UsedPercent: u.UsedPercent,
		})
	}
	return func(s *Sample) { s.Filesystems = out }, nil
}

// realFSTypes are filesystems without a /dev source that still hold user data.
var realFSTypes = map[string]bool{
	"zfs": true, "nfs": true, "nfs4": true, "cifs": true, "smb3": true, "smbfs": true,
	"fuse.sshfs": true, "virtiofs": true, "9p": true, "ceph": true, "glusterfs": true,
}

// imageFSTypes are read-only image formats: always 100 % used, never a disk
// running out of space.
var imageFSTypes = map[string]bool{"squashfs": true, "iso9660": true, "udf": true, "erofs": true}

// selectMounts keeps real filesystems and lists each device once: bind mounts
// (of a subdirectory, of the whole tree, or of a single file) and a second
// mount of the same device share its device ID, and counting them again would
// double the totals. The whole-filesystem mount (root "/") with the shortest
// mount point represents the device.
func selectMounts(mounts []mount, showAll bool) []mount {
	best := map[string]mount{}
	for _, m := range mounts {
		if !(m.Physical || realFSTypes[m.FSType]) || (!showAll && imageFSTypes[m.FSType]) {
			continue
		}
		key := m.DeviceID
		if key == "" {
			key = m.Source
		}
		if cur, ok := best[key]; !ok || better(m, cur) {
			best[key] = m
		}
	}
	out := make([]mount, 0, len(best))
	for _, m := range best {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mountpoint < out[j].Mountpoint })
	return out
}

func better(a, b mount) bool {
	if (a.Root == "/") != (b.Root == "/") {
		return a.Root == "/"
	}
	if len(a.Mountpoint) != len(b.Mountpoint) {
		return len(a.Mountpoint) < len(b.Mountpoint)
	}
	return a.Mountpoint < b.Mountpoint
}
