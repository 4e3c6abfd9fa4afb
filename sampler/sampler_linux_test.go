package sampler

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/net"
)

// procCtx points gopsutil and our own readers at a fixture /proc tree.
func procCtx(dir string) context.Context {
	return context.WithValue(context.Background(), common.EnvKey,
		common.EnvMap{common.HostProcEnvKey: filepath.Join("testdata", "linux", dir)})
}

func tickAt(sec float64) Tick {
	return Tick{Wall: time.Unix(1_700_000_000, 0), Mono: time.Duration(sec * float64(time.Second))}
}

// collectPair runs one source over a before and an after fixture tree, one
// second apart, and returns the Sample of the second reading.
func collectPair(t *testing.T, src Source, dir string) *Sample {
	t.Helper()
	var s Sample
	for i, phase := range []string{"before", "after"} {
		apply, err := src.Collect(procCtx(filepath.Join(dir, phase)), tickAt(float64(i)))
		if err != nil {
			t.Fatalf("%s/%s: %v", dir, phase, err)
		}
		s = Sample{}
		apply(&s)
	}
	return &s
}

func TestCPUCases(t *testing.T) {
	cases := []struct {
		dir  string
		want *float64
	}{
		{"c1-idle-backwards", nil},                    // C1: no value, not 100 %
		{"c2-steal-backwards", ptr(15.0 / 105 * 100)}, // C2: 14.3 %
		{"c3-guest-in-user", ptr(50.0)},               // C3: guest not counted twice
		{"c4-identical", nil},                         // C4: no elapsed ticks
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			s := collectPair(t, &cpuSource{}, c.dir)
			got := s.CPU.TotalPercent
			if !floatPtrEqual(got, c.want) {
				t.Fatalf("total = %s, want %s", show(got), show(c.want))
			}
			if len(s.CPU.PerCorePercent) == 0 {
				t.Fatal("no per-core values")
			}
			for i, p := range s.CPU.PerCorePercent {
				if !floatPtrEqual(p, c.want) {
					t.Errorf("core %d = %s, want %s", i, show(p), show(c.want))
				}
			}
		})
	}
}

func TestCPUFirstSampleHasNoPercent(t *testing.T) {
	apply, err := (&cpuSource{}).Collect(procCtx("c2-steal-backwards/before"), tickAt(0))
	if err != nil {
		t.Fatal(err)
	}
	var s Sample
	apply(&s)
	if s.CPU.TotalPercent != nil || s.CPU.PerCorePercent != nil {
		t.Fatalf("first sample has a percentage: %s", show(s.CPU.TotalPercent))
	}
	if s.CPU.LogicalCores != 1 {
		t.Errorf("logical cores = %d, want 1", s.CPU.LogicalCores)
	}
}

func TestMemoryM1(t *testing.T) {
	apply, err := memorySource{}.Collect(procCtx("m1-meminfo"), tickAt(0))
	if err != nil {
		t.Fatal(err)
	}
	var s Sample
	apply(&s)
	m := s.Memory
	if want := uint64(792416 * 1024); m.UsedBytes != want {
		t.Errorf("used = %d, want %d (total - available)", m.UsedBytes, want)
	}
	if want := 100 * 792416.0 / 16391208; math.Abs(m.UsedPercent-want) > 1e-9 {
		t.Errorf("used%% = %v, want %v", m.UsedPercent, want)
	}
	if math.Abs(m.UsedPercent-4.83) > 0.01 {
		t.Errorf("used%% = %.2f, want 4.83", m.UsedPercent)
	}
	if m.TotalBytes != 16391208*1024 || m.AvailableBytes != 15598792*1024 {
		t.Errorf("total/available = %d/%d", m.TotalBytes, m.AvailableBytes)
	}
}

func TestNetworkN1(t *testing.T) {
	s := collectPair(t, &networkSource{}, "n1-interface-gone")
	rx, tx, ok := NetworkTotals(s.Network)
	if !ok || rx != 1100 || tx != 600 {
		t.Fatalf("totals rx=%v tx=%v ok=%v, want 1100/600", rx, tx, ok)
	}
	for _, i := range s.Network {
		if i.Name == "tun0" {
			t.Errorf("vanished tun0 still listed")
		}
		if i.RxBytesPerSec == nil || *i.RxBytesPerSec < 0 || *i.RxBytesPerSec > 1e12 {
			t.Errorf("%s rx rate %s", i.Name, show(i.RxBytesPerSec))
		}
	}
}

func TestNetworkCounterResetGivesNoRate(t *testing.T) {
	got := interfaceRates(
		map[string]net.IOCountersStat{"eth0": {Name: "eth0", BytesRecv: 5000, BytesSent: 10}},
		[]net.IOCountersStat{{Name: "eth0", BytesRecv: 100, BytesSent: 20}}, 1)
	if got[0].RxBytesPerSec != nil {
		t.Errorf("rx after reset = %v, want none", *got[0].RxBytesPerSec)
	}
	if got[0].TxBytesPerSec == nil || *got[0].TxBytesPerSec != 10 {
		t.Errorf("tx = %s, want 10", show(got[0].TxBytesPerSec))
	}
}

func TestFilesystemsD1(t *testing.T) {
	mounts, err := listMounts(procCtx("d1-binds"))
	if err != nil {
		t.Fatal(err)
	}
	got := selectMounts(mounts, false)
	want := map[string]string{"/dev/sda1": "/", "/dev/sdb1": "/media/usb", "server:/export": "/mnt/my disk"}
	if len(got) != len(want) {
		t.Fatalf("got %d rows %+v, want one per device %v", len(got), got, want)
	}
	for _, m := range got {
		if want[m.Source] != m.Mountpoint {
			t.Errorf("%s at %q, want %q", m.Source, m.Mountpoint, want[m.Source])
		}
	}
}

func TestFilesystemsD2(t *testing.T) {
	mounts, err := listMounts(procCtx("d2-snaps"))
	if err != nil {
		t.Fatal(err)
	}
	if got := selectMounts(mounts, false); len(got) != 2 {
		t.Errorf("default: %d rows %+v, want / and /boot/efi only", len(got), got)
	}
	all := selectMounts(mounts, true)
	if len(all) != 4 {
		t.Errorf("show all: %d rows, want 4", len(all))
	}
	for _, m := range all {
		if m.FSType == "squashfs" && !m.ReadOnly {
			t.Errorf("%s not read-only", m.Mountpoint)
		}
	}
}

func TestParseMountinfoRejectsGarbage(t *testing.T) {
	if _, err := parseMountinfo([]byte("this is not mountinfo\n")); err == nil {
		t.Fatal("no error for a malformed line")
	}
}

func floatPtrEqual(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func show(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%.4f", *p)
}
