package metrics

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"sysmon/gpu"
	"sysmon/idle"
	"sysmon/llm"
	"sysmon/sampler"
)

var update = flag.Bool("update", false, "rewrite testdata/canned.prom from the collector's output")

func ptr[T any](v T) *T { return &v }

const gib = 1 << 30

// cannedSample is a Sample with a bit of everything: values present and
// absent, a GPU with a process of unknown VRAM, a lost GPU, non-UTF-8 and
// duplicate entries.
func cannedSample() *sampler.Sample {
	return &sampler.Sample{
		Time:            time.Date(2026, 1, 2, 3, 4, 5, 500e6, time.UTC),
		IntervalSeconds: 1,
		Errors:          map[string]string{"filesystems": "statfs /mnt/gone: no such file or directory"},
		Host: &sampler.Host{
			Hostname: "desk", OS: "linux", Platform: "debian", PlatformVersion: "12",
			Kernel: "6.1.0-18-amd64", Arch: "amd64", UptimeSeconds: 3600,
		},
		CPU: &sampler.CPU{
			Model: "Test CPU", PhysicalCores: 2, LogicalCores: 3,
			TotalPercent:   ptr(37.5),
			PerCorePercent: []*float64{ptr(25.0), nil, ptr(50.0)},
			Load1:          ptr(1.5), Load5: ptr(1.25), // Load15 unknown
		},
		Memory: &sampler.Memory{
			TotalBytes: 16 * gib, UsedBytes: 6 * gib, AvailableBytes: 10 * gib, FreeBytes: 2 * gib,
			CachedBytes: 7 * gib, BuffersBytes: 1 << 20, UsedPercent: 37.5,
			SwapTotalBytes: 2 * gib, SwapUsedBytes: 1 << 20, SwapFreeBytes: 2*gib - 1<<20,
		},
		Filesystems: []sampler.Filesystem{
			{Device: "/dev/nvme0n1p2", Mountpoint: "/", FSType: "ext4", TotalBytes: 500 * gib, UsedBytes: 200 * gib, FreeBytes: 275 * gib, UsedPercent: 42},
			{Device: "/dev/nvme0n1p2", Mountpoint: "/", FSType: "ext4", TotalBytes: 1, UsedBytes: 1, FreeBytes: 1}, // listed twice: emitted once
			{Device: "/dev/sr0", Mountpoint: "/media/cd\xff", FSType: "iso9660", TotalBytes: 700 << 20, UsedBytes: 700 << 20, UsedPercent: 100, ReadOnly: true},
		},
		Disks: []sampler.Disk{
			{Name: "nvme0n1", BusyPercent: ptr(12.5), ReadBytesTotal: 1e9, WriteBytesTotal: 2e9, ReadBytesPerSec: ptr(1e6)},
			{Name: "sda", ReadBytesTotal: 4096, WriteBytesTotal: 0}, // busy unknown
		},
		Network: []sampler.Interface{
			{Name: "eth0", RxBytesTotal: 123456789, TxBytesTotal: 98765, RxBytesPerSec: ptr(1000.0)},
			{Name: "lo", RxBytesTotal: 42, TxBytesTotal: 42},
		},
		GPU: &gpu.Status{
			Present: true, DriverVersion: "550.54.15", CUDAVersion: "12.4", NVMLVersion: "12.550.54.15",
			DeviceCount: 2,
			Devices: []gpu.Device{
				{
					Index: 0, Name: "NVIDIA GeForce RTX 4090", UUID: "GPU-0000aaaa", PCIBusID: "00000000:01:00.0",
					MemoryTotalBytes: ptr(uint64(24 * gib)), MemoryUsedBytes: ptr(uint64(9 * gib)), MemoryFreeBytes: ptr(uint64(15 * gib)),
					UtilizationGPUPercent: ptr(87.0), UtilizationMemoryPercent: ptr(40.0),
					TemperatureCelsius: ptr(66.0), PowerWatts: ptr(312.5), PowerLimitWatts: ptr(450.0),
					EnergyJoules: ptr(123456.789), FanPercent: ptr(55.0),
					SMClockMHz: ptr(uint32(2520)), MemoryClockMHz: ptr(uint32(10501)),
					ThrottleReasons: []string{"sw_power_cap"},
					PCIeLinkGen:     ptr(4), PCIeLinkWidth: ptr(16),
					Processes: []gpu.Process{
						{PID: 4242, Name: "python3", Type: gpu.ProcessCompute, MemoryUsedBytes: ptr(uint64(8 * gib))},
						{PID: 1234, Name: "Xorg", Type: gpu.ProcessGraphics}, // VRAM unknown: no series
						{PID: 5555, Name: "ollama", Type: gpu.ProcessComputeGraphics, MemoryUsedBytes: ptr(uint64(512 << 20))},
					},
				},
				{Index: 1, Name: "NVIDIA A100-SXM4-80GB", UUID: "GPU-1111bbbb", Lost: true, Error: "GPU is lost"},
			},
		},
		Idle: &idle.Status{
			State: idle.StateAFK, IdleSeconds: ptr(400.0), Backend: "x11",
			AFKSince: ptr(time.Date(2026, 1, 2, 2, 57, 25, 0, time.UTC)), ThresholdSeconds: 300,
		},
		Processes: &sampler.Processes{Count: 321},
	}
}

func latestOf(s *sampler.Sample) func() *sampler.Sample { return func() *sampler.Sample { return s } }

// gather collects c on a pedantic registry (which checks the metrics against
// Describe) and fails the test on any error.
func gather(t testing.TB, c prometheus.Collector) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatalf("register: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	return mfs
}

// series renders every series as `name{labels} value`, one string each.
func series(mfs []*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			var ls []string
			for _, lp := range m.Label {
				ls = append(ls, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
			}
			var v float64
			switch {
			case m.Gauge != nil:
				v = m.Gauge.GetValue()
			case m.Counter != nil:
				v = m.Counter.GetValue()
			case m.Untyped != nil:
				v = m.Untyped.GetValue()
			}
			out[mf.GetName()+"{"+strings.Join(ls, ",")+"}"] = v
		}
	}
	return out
}

func TestCollectGolden(t *testing.T) {
	c := NewCollector(latestOf(cannedSample()))
	golden := filepath.Join("testdata", "canned.prom")
	if *update {
		var got bytes.Buffer
		enc := expfmt.NewEncoder(&got, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range gather(t, c) {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if err := testutil.CollectAndCompare(c, bytes.NewReader(want)); err != nil {
		t.Fatalf("exposition differs from %s (rerun with -update after checking the change):\n%v", golden, err)
	}
}

func TestCollectValues(t *testing.T) {
	got := series(gather(t, NewCollector(latestOf(cannedSample()))))
	want := map[string]float64{
		`sysmon_cpu_busy_ratio{}`:                              0.375,
		`sysmon_cpu_core_busy_ratio{core="0"}`:                 0.25,
		`sysmon_cpu_core_busy_ratio{core="2"}`:                 0.5,
		`sysmon_load1{}`:                                       1.5,
		`sysmon_memory_total_bytes{}`:                          16 * gib,
		`sysmon_memory_available_bytes{}`:                      10 * gib,
		`sysmon_disk_busy_ratio{device="nvme0n1"}`:             0.125,
		`sysmon_disk_read_bytes_total{device="sda"}`:           4096,
		`sysmon_disk_written_bytes_total{device="sda"}`:        0, // a known 0 is a value
		`sysmon_network_receive_bytes_total{interface="eth0"}`: 123456789,
		"sysmon_filesystem_readonly{device=\"/dev/sr0\",fstype=\"iso9660\",mountpoint=\"/media/cd\uFFFD\"}": 1,
		`sysmon_filesystem_size_bytes{device="/dev/nvme0n1p2",fstype="ext4",mountpoint="/"}`:                500 * gib,
		`sysmon_gpu_present{reason=""}`: 1,
		`sysmon_gpu_utilization_ratio{gpu="0",name="NVIDIA GeForce RTX 4090",uuid="GPU-0000aaaa"}`:    0.87,
		`sysmon_gpu_sm_clock_hertz{gpu="0",name="NVIDIA GeForce RTX 4090",uuid="GPU-0000aaaa"}`:       2520e6,
		`sysmon_gpu_energy_joules_total{gpu="0",name="NVIDIA GeForce RTX 4090",uuid="GPU-0000aaaa"}`:  123456.789,
		`sysmon_gpu_lost{gpu="0",name="NVIDIA GeForce RTX 4090",uuid="GPU-0000aaaa"}`:                 0,
		`sysmon_gpu_lost{gpu="1",name="NVIDIA A100-SXM4-80GB",uuid="GPU-1111bbbb"}`:                   1,
		`sysmon_gpu_processes{gpu="0",name="NVIDIA GeForce RTX 4090",uuid="GPU-0000aaaa"}`:            3,
		`sysmon_gpu_process_memory_used_bytes{gpu="0",name="python3",pid="4242",uuid="GPU-0000aaaa"}`: 8 * gib,
		`sysmon_gpu_process_memory_used_bytes{gpu="0",name="ollama",pid="5555",uuid="GPU-0000aaaa"}`:  512 << 20,
		`sysmon_afk_state{state="afk"}`:             1,
		`sysmon_afk_state{state="active"}`:          0,
		`sysmon_afk{}`:                              1,
		`sysmon_idle_seconds{}`:                     400,
		`sysmon_processes{}`:                        321,
		`sysmon_source_error{source="filesystems"}`: 1,
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("missing %s", k)
		} else if g != v {
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
	// Absent values are absent, never 0.
	for _, k := range []string{
		`sysmon_load15{}`,
		`sysmon_cpu_core_busy_ratio{core="1"}`,
		`sysmon_disk_busy_ratio{device="sda"}`,
		`sysmon_gpu_process_memory_used_bytes{gpu="0",name="Xorg",pid="1234",uuid="GPU-0000aaaa"}`,
		`sysmon_gpu_process_memory_used_bytes{gpu="0",name="other",pid="other",uuid="GPU-0000aaaa"}`,
	} {
		if _, ok := got[k]; ok {
			t.Errorf("%s emitted, want absent", k)
		}
	}
	// The lost GPU has its lost flag and nothing else.
	for k := range got {
		if strings.Contains(k, `uuid="GPU-1111bbbb"`) && !strings.HasPrefix(k, "sysmon_gpu_lost{") {
			t.Errorf("lost GPU has %s", k)
		}
	}
}

func TestCollectNothingBeforeFirstSample(t *testing.T) {
	for name, c := range map[string]prometheus.Collector{
		"nil sample": NewCollector(latestOf(nil)),
		"nil func":   NewCollector(nil),
		"empty":      NewCollector(latestOf(&sampler.Sample{})),
	} {
		if n := testutil.CollectAndCount(c); n != 0 {
			t.Errorf("%s: %d metrics, want 0", name, n)
		}
	}
}

func TestCollectGPUAbsentAndIdleUnknown(t *testing.T) {
	s := &sampler.Sample{
		GPU:  &gpu.Status{Reason: "NVML library not found (no NVIDIA driver)"},
		Idle: &idle.Status{State: idle.StateUnknown, Backend: "none", Reason: "no backend", ThresholdSeconds: 300},
	}
	got := series(gather(t, NewCollector(latestOf(s))))
	want := map[string]float64{
		`sysmon_gpu_present{reason="NVML library not found (no NVIDIA driver)"}`: 0,
		`sysmon_gpu_devices{}`:              0,
		`sysmon_afk_state{state="unknown"}`: 1,
		`sysmon_afk_state{state="afk"}`:     0,
		`sysmon_afk_state{state="active"}`:  0,
		`sysmon_afk_threshold_seconds{}`:    300,
	}
	if len(got) != len(want) {
		t.Errorf("got %d series, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

// manyProcesses is a device with n processes; every tenth has unknown VRAM.
func manyProcesses(index, n int) gpu.Device {
	d := gpu.Device{Index: index, Name: "GPU", UUID: fmt.Sprintf("GPU-%d", index), Processes: make([]gpu.Process, n)}
	for i := range d.Processes {
		p := gpu.Process{PID: uint32(1000 + i), Name: fmt.Sprintf("proc%d", i), Type: gpu.ProcessCompute}
		if i%10 != 9 {
			p.MemoryUsedBytes = ptr(uint64(i+1) << 20)
		}
		d.Processes[i] = p
	}
	return d
}

func TestGPUProcessCardinalityBounded(t *testing.T) {
	const n = 3000
	s := &sampler.Sample{GPU: &gpu.Status{Present: true, DeviceCount: 2, Devices: []gpu.Device{manyProcesses(0, n), manyProcesses(1, n)}}}
	var wantOther uint64
	var known []uint64
	for _, p := range s.GPU.Devices[0].Processes {
		if p.MemoryUsedBytes != nil {
			known = append(known, *p.MemoryUsedBytes)
		}
	}
	// known is ascending: the top are the last MaxGPUProcesses.
	for _, v := range known[:len(known)-MaxGPUProcesses] {
		wantOther += v
	}

	perGPU := map[string]int{}
	for _, mf := range gather(t, NewCollector(latestOf(s))) {
		if mf.GetName() != "sysmon_gpu_process_memory_used_bytes" {
			continue
		}
		for _, m := range mf.Metric {
			l := labelMap(m)
			perGPU[l["gpu"]]++
			v := m.Gauge.GetValue()
			if l["pid"] == OtherProcesses {
				if l["name"] != OtherProcesses || v != float64(wantOther) {
					t.Errorf("other series %v = %v, want name other, %v", l, v, wantOther)
				}
				continue
			}
			// Top 20 of 1..3000 MiB with every tenth unknown: the smallest
			// included is well above the 20th from the top of the list.
			if v < float64(known[len(known)-MaxGPUProcesses]) {
				t.Errorf("series %v = %v is not among the top %d", l, v, MaxGPUProcesses)
			}
		}
	}
	for g, c := range perGPU {
		if c != MaxGPUProcesses+1 {
			t.Errorf("gpu %s: %d process series, want %d", g, c, MaxGPUProcesses+1)
		}
	}
	if len(perGPU) != 2 {
		t.Errorf("process series for %d GPUs, want 2", len(perGPU))
	}
}

func TestTopProcessesDuplicatePID(t *testing.T) {
	ps := []gpu.Process{
		{PID: 7, MemoryUsedBytes: ptr(uint64(10))},
		{PID: 7, MemoryUsedBytes: ptr(uint64(5))},
		{PID: 8, MemoryUsedBytes: ptr(uint64(1))},
	}
	top, other, hasOther := topProcesses(ps, 2)
	if len(top) != 2 || top[0].PID != 7 || *top[0].MemoryUsedBytes != 10 || top[1].PID != 8 || other != 0 || hasOther {
		t.Errorf("topProcesses = %v, %d, %v", top, other, hasOther)
	}
	top, other, hasOther = topProcesses(ps, 1)
	if len(top) != 1 || top[0].PID != 7 || other != 6 || !hasOther {
		t.Errorf("topProcesses n=1 = %v, %d, %v", top, other, hasOther)
	}
}

func TestCollectDuplicatesDoNotFailScrape(t *testing.T) {
	s := &sampler.Sample{
		Disks:   []sampler.Disk{{Name: "sda"}, {Name: "sda"}},
		Network: []sampler.Interface{{Name: "eth0"}, {Name: "eth0"}},
		GPU: &gpu.Status{Present: true, DeviceCount: 1, Devices: []gpu.Device{
			{Index: 0, ThrottleReasons: []string{"a", "a"}, Processes: []gpu.Process{{PID: 1, MemoryUsedBytes: ptr(uint64(1))}, {PID: 1, MemoryUsedBytes: ptr(uint64(2))}}},
			{Index: 0},
		}},
	}
	gather(t, NewCollector(latestOf(s))) // fails the test on a duplicate series
}

func labelMap(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, lp := range m.Label {
		l[lp.GetName()] = lp.GetValue()
	}
	return l
}

// TestLint runs client_golang's promlint (the checks of promtool check
// metrics) over everything the registry serves.
func TestLint(t *testing.T) {
	mfs, err := NewRegistry(latestOf(cannedSample()), WithJobs(cannedJobs)).Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestCollectorNeverSamples checks the collector reads latest once per scrape
// and nothing else.
func TestCollectorNeverSamples(t *testing.T) {
	calls := 0
	s := cannedSample()
	c := NewCollector(func() *sampler.Sample { calls++; return s })
	for range 3 {
		testutil.CollectAndCount(c)
	}
	if calls != 3 {
		t.Errorf("latest called %d times for 3 scrapes, want 3", calls)
	}
}

func TestCollectLLM(t *testing.T) {
	gen, prompt, rate := int64(99), int64(12), 42.5
	s := &sampler.Sample{LLM: &sampler.LLM{
		Servers:        llm.ServerStatus{Ollama: &llm.OllamaStatus{Running: false}, LlamaServer: &llm.LlamaServerStatus{Running: true}},
		Console:        &llm.Stats{GeneratedTokens: &gen, PromptTokens: &prompt},
		LastGeneration: &llm.Stats{GenerationTokensPerSecond: &rate},
	}}
	got := series(gather(t, NewCollector(latestOf(s))))
	want := map[string]float64{
		`sysmon_llm_generation_tokens_per_second{}`:   42.5,
		`sysmon_llm_server_up{server="ollama"}`:       0,
		`sysmon_llm_server_up{server="llama-server"}`: 1,
		`sysmon_llm_run_prompt_tokens{}`:              12,
		`sysmon_llm_run_generated_tokens{}`:           99,
	}
	if len(got) != len(want) {
		t.Errorf("got %d series, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

func cannedJobs() (map[string]int, bool) {
	return map[string]int{"queued": 2, "waiting": 1, "running": 1, "paused": 0, "done": 5,
		"failed": 1, "cancelled": 0, "interrupted": 0}, true
}

func TestCollectJobs(t *testing.T) {
	got := series(gather(t, newJobsCollector(cannedJobs)))
	want := map[string]float64{`sysmon_jobs_scheduler{}`: 1}
	byState, _ := cannedJobs()
	for st, n := range byState {
		want[`sysmon_jobs{state="`+st+`"}`] = float64(n)
	}
	if len(got) != len(want) {
		t.Errorf("got %d series, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	// Before the first tick nothing is counted, and this sysmon may be the
	// one that only watches the queue.
	got = series(gather(t, newJobsCollector(func() (map[string]int, bool) { return nil, false })))
	if len(got) != 1 || got[`sysmon_jobs_scheduler{}`] != 0 {
		t.Errorf("before the first tick: %v", got)
	}
}
