package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"sysmon/format"
	"sysmon/gpu"
	"sysmon/idle"
	"sysmon/sampler"
)

func ptr[T any](v T) *T { return &v }

func sampleWithGPU() *sampler.Sample {
	return &sampler.Sample{
		CPU:    &sampler.CPU{LogicalCores: 2, TotalPercent: ptr(12.5), PerCorePercent: []*float64{ptr(10.0), nil}},
		Memory: &sampler.Memory{TotalBytes: 16 << 30, UsedBytes: 4 << 30, UsedPercent: 25},
		Disks:  []sampler.Disk{{Name: "sda"}},
		Network: []sampler.Interface{
			{Name: "eth0", RxBytesTotal: 10, RxBytesPerSec: ptr(1024.0), TxBytesPerSec: ptr(0.0)},
			{Name: "dummy0"}, // never carried traffic: not listed
		},
		Filesystems: []sampler.Filesystem{{Device: "/dev/sda1", Mountpoint: "/", FSType: "ext4", TotalBytes: 100, UsedBytes: 50, UsedPercent: 50}},
		GPU: &gpu.Status{Present: true, DriverVersion: "550.54", CUDAVersion: "12.4", DeviceCount: 2, Devices: []gpu.Device{
			{Index: 0, Name: "NVIDIA GeForce RTX 4090", MemoryTotalBytes: ptr(uint64(24 << 30)), MemoryUsedBytes: ptr(uint64(1 << 30)),
				UtilizationGPUPercent: ptr(37.0), PowerWatts: ptr(18.0),
				Processes: []gpu.Process{{PID: 79, Name: "ollama", Type: gpu.ProcessCompute}}},
			{Index: 1, Name: "NVIDIA A100", Lost: true, Error: "GPU is lost"},
		}},
	}
}

func TestBuildItems(t *testing.T) {
	s := sampleWithGPU()
	h := sampler.NewHistory(10)
	items := buildItems(s, h, format.Binary)
	var ids []string
	byID := map[string]item{}
	for _, it := range items {
		ids = append(ids, it.id)
		byID[it.id] = it
	}
	if got := strings.Join(ids, ","); got != "cpu,memory,disk/sda,net/eth0,gpu/0,gpu/1" {
		t.Fatalf("items %s", got)
	}
	if v := byID["cpu"].small[1].caption; v != "CPU 1  n/a" {
		t.Errorf("core without a value: %q", v)
	}
	if v := byID["net/eth0"].value; v != "Rx 1 KiB/s  Tx 0 B/s" {
		t.Errorf("network value %q", v)
	}
	if v := byID["disk/sda"].value; v != "R n/a  W n/a" {
		t.Errorf("first disk reading shows %q, want n/a", v)
	}
	g := byID["gpu/0"]
	if g.value != "37 %  1 GiB / 24 GiB" {
		t.Errorf("gpu value %q", g.value)
	}
	// G1: a process whose VRAM NVML could not report is listed with n/a.
	if !hasStat(g.stats, "ollama (PID 79)", "n/a VRAM, compute") {
		t.Errorf("process row missing: %v", g.stats)
	}
	// ... and one line says why, as Windows (WDDM) never reports it.
	if !hasStat(g.stats, "Per-process VRAM", "n/a where the driver does not report it (always on Windows with WDDM drivers)") {
		t.Errorf("no note on unreported per-process VRAM: %v", g.stats)
	}
	// G3: no limit known, no invented one.
	if !hasStat(g.stats, "Power", "18.0 W") || !hasStat(g.stats, "Power limit", "n/a") || !hasStat(g.stats, "Fan", "n/a") {
		t.Errorf("power/fan rows: %v", g.stats)
	}
	if v := byID["gpu/1"].value; !strings.HasPrefix(v, "lost") {
		t.Errorf("lost gpu value %q", v)
	}
	if !hasStat(byID["disk/sda"].stats, "/", "50 B of 100 B used (50 %), ext4") {
		t.Errorf("filesystem not under its disk: %v", byID["disk/sda"].stats)
	}
}

func TestGPUBanner(t *testing.T) {
	text, ok := gpuBanner(sampleWithGPU().GPU, format.Binary)
	if !ok || !strings.HasPrefix(text, "NVIDIA GeForce RTX 4090 - driver 550.54 - CUDA 12.4 - 24 GiB") || !strings.Contains(text, "LOST") {
		t.Errorf("banner %q", text)
	}
	text, ok = gpuBanner(&gpu.Status{Reason: "NVIDIA driver not loaded"}, format.Binary)
	if ok || text != "No NVIDIA GPU detected: NVIDIA driver not loaded" {
		t.Errorf("absent banner %q", text)
	}
}

// The side list follows the sample and a tap selects an entry and shows
// its details.
func TestPerformanceViewSelect(t *testing.T) {
	test.NewTempApp(t)
	p := newPerformanceView()
	w := test.NewTempWindow(t, p.content)
	w.Resize(w.Canvas().Size().Max(p.content.MinSize()))
	items := buildItems(sampleWithGPU(), sampler.NewHistory(10), format.Binary)
	p.setItems(items)
	if p.selected != "cpu" || len(p.list.Objects) != len(items) {
		t.Fatalf("selected %q with %d entries", p.selected, len(p.list.Objects))
	}
	selected := ""
	p.onSelect = func(id string) { selected = id }
	test.Tap(p.entries["gpu/0"])
	if selected != "gpu/0" || p.selected != "gpu/0" {
		t.Fatalf("tap selected %q", selected)
	}
	p.setItems(items)
	if p.title.Text != "GPU 0" || p.subtitle.Text != "NVIDIA GeForce RTX 4090" {
		t.Errorf("detail shows %q %q", p.title.Text, p.subtitle.Text)
	}
	if len(p.smallBox) != 3 {
		t.Errorf("%d small charts for a GPU, want VRAM, temperature and power", len(p.smallBox))
	}
	// An entry that disappears is removed and the selection falls back.
	p.setItems(items[:2])
	if len(p.list.Objects) != 2 || p.selected != "cpu" {
		t.Errorf("after removal: %d entries, selected %q", len(p.list.Objects), p.selected)
	}
}

func hasStat(stats [][2]string, k, v string) bool {
	for _, kv := range stats {
		if kv[0] == k && kv[1] == v {
			return true
		}
	}
	return false
}

func TestAFKText(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	since := now.Add(-12*time.Minute - 5*time.Second)
	cases := []struct {
		st   *idle.Status
		want string
	}{
		{nil, "AFK unknown"},
		{&idle.Status{State: idle.StateUnknown, Reason: "no backend"}, "AFK unknown"},
		{&idle.Status{State: idle.StateActive}, "Active"},
		{&idle.Status{State: idle.StateActive, Inhibited: true}, "Active (presenting)"},
		{&idle.Status{State: idle.StateAFK, AFKSince: &since}, "AFK for 12 min"},
	}
	for _, c := range cases {
		if got, _ := afkText(c.st, now); got != c.want {
			t.Errorf("afkText(%+v) = %q, want %q", c.st, got, c.want)
		}
	}
}

// The note on unreported per-process VRAM appears only when some is unreported.
func TestVRAMNoteOnlyWhenUnknown(t *testing.T) {
	d := gpu.Device{Index: 0, Processes: []gpu.Process{{PID: 7, Name: "llama-server", Type: gpu.ProcessCompute, MemoryUsedBytes: ptr(uint64(2 << 30))}}}
	it := gpuItem(d, sampler.NewHistory(10), format.Binary)
	if !hasStat(it.stats, "llama-server (PID 7)", "2 GiB VRAM, compute") {
		t.Errorf("process row missing: %v", it.stats)
	}
	for _, kv := range it.stats {
		if kv[0] == "Per-process VRAM" {
			t.Errorf("note shown although every process's VRAM is known: %v", kv)
		}
	}
}
