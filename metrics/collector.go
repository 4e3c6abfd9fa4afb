// Package metrics exposes sysmon's readings to Prometheus.
//
// A [prometheus.Collector] built by [NewCollector] turns the latest
// [sampler.Sample] into constant metrics on every scrape: it never samples the
// machine itself, so a scrape costs no more than formatting what the sampler
// already read, and a scrape every second changes nothing for the rest of
// sysmon. [Listen] and [Serve] serve that collector, on a registry of its own,
// at /metrics.
//
// Names follow the Prometheus conventions: base units (bytes, seconds,
// joules, watts, hertz, celsius), ratios 0-1 instead of percentages, and
// _total on counters. A value the sample does not have (a nil pointer) is not
// emitted at all, never as 0. README.md in this folder lists every metric.
package metrics

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"sysmon/gpu"
	"sysmon/idle"
	"sysmon/sampler"
)

const (
	namespace = "sysmon"

	// MaxGPUProcesses is how many processes per GPU get a VRAM series of
	// their own: the ones using the most. The VRAM of the rest is summed into
	// one series labelled pid="other", name="other", so a device has at most
	// MaxGPUProcesses+1 process series however many processes it runs.
	MaxGPUProcesses = 20

	// OtherProcesses is the pid and name label value of the series that sums
	// the VRAM of the processes beyond the top MaxGPUProcesses.
	OtherProcesses = "other"
)

// idleStates are the values of the state label of sysmon_afk_state, in the
// order they are emitted.
var idleStates = []idle.State{idle.StateActive, idle.StateAFK, idle.StateUnknown}

// collector emits the latest Sample as constant metrics.
type collector struct {
	latest func() *sampler.Sample
	all    []*prometheus.Desc

	sampleTime, sampleInterval, sourceError *prometheus.Desc
	hostInfo, uptime                        *prometheus.Desc

	cpuBusy, cpuCoreBusy, cpuCores, load1, load5, load15 *prometheus.Desc

	memTotal, memUsed, memAvailable, memFree, memCached, memBuffers *prometheus.Desc
	swapTotal, swapUsed, swapFree                                   *prometheus.Desc

	fsSize, fsUsed, fsFree, fsReadOnly *prometheus.Desc
	diskRead, diskWritten, diskBusy    *prometheus.Desc
	netRx, netTx                       *prometheus.Desc

	gpuPresent, gpuDevices, gpuDriver                                *prometheus.Desc
	gpuLost, gpuUtil, gpuMemUtil                                     *prometheus.Desc
	gpuMemUsed, gpuMemTotal, gpuMemFree                              *prometheus.Desc
	gpuTemp, gpuPower, gpuPowerLimit, gpuEnergy, gpuFan              *prometheus.Desc
	gpuSMClock, gpuMemClock, gpuPCIeGen, gpuPCIeWidth, gpuThrottle   *prometheus.Desc
	gpuProcesses, gpuProcMem                                         *prometheus.Desc
	afkState, afk, idleSeconds, idleInhibited, afkThreshold, procCnt *prometheus.Desc
	llmTokensPerSec, llmServerUp, llmPromptTokens, llmGenTokens      *prometheus.Desc
}

// NewCollector returns a Collector that reports latest() on every scrape.
// latest is typically (*sampler.History).Latest; it must be safe to call from
// any goroutine and must treat the Sample it returns as read-only. Before the
// first Sample (latest returns nil) the collector emits nothing.
func NewCollector(latest func() *sampler.Sample) prometheus.Collector {
	c := &collector{latest: latest}
	dev := []string{"gpu", "name", "uuid"}

	c.sampleTime = c.desc("sample_timestamp_seconds", "Wall-clock time of the sample these metrics come from, in seconds since the Unix epoch.")
	c.sampleInterval = c.desc("sample_interval_seconds", "Monotonic time the rates and percentages of the sample were computed over; absent in the first sample.")
	c.sourceError = c.desc("source_error", "1 for each sampler source that gave nothing in the latest sample.", "source")
	c.hostInfo = c.desc("host_info", "Identity of the machine; always 1.", "hostname", "os", "platform", "platform_version", "kernel", "arch")
	c.uptime = c.desc("host_uptime_seconds", "Time since the machine booted.")

	c.cpuBusy = c.desc("cpu_busy_ratio", "Busy share of all logical cores over the last sample interval, 0-1.")
	c.cpuCoreBusy = c.desc("cpu_core_busy_ratio", "Busy share of one logical core over the last sample interval, 0-1.", "core")
	c.cpuCores = c.desc("cpu_logical_cores", "Number of logical CPU cores.")
	c.load1 = c.desc("load1", "1-minute load average.")
	c.load5 = c.desc("load5", "5-minute load average.")
	c.load15 = c.desc("load15", "15-minute load average.")

	c.memTotal = c.desc("memory_total_bytes", "Physical memory.")
	c.memUsed = c.desc("memory_used_bytes", "Memory in use: total minus available, as procps free counts it.")
	c.memAvailable = c.desc("memory_available_bytes", "Memory available to new programs without swapping.")
	c.memFree = c.desc("memory_free_bytes", "Memory not used for anything, not even caches.")
	c.memCached = c.desc("memory_cached_bytes", "Page cache.")
	c.memBuffers = c.desc("memory_buffers_bytes", "Kernel buffers.")
	c.swapTotal = c.desc("swap_total_bytes", "Swap space.")
	c.swapUsed = c.desc("swap_used_bytes", "Swap space in use.")
	c.swapFree = c.desc("swap_free_bytes", "Swap space free.")

	fs := []string{"device", "mountpoint", "fstype"}
	c.fsSize = c.desc("filesystem_size_bytes", "Size of the filesystem.", fs...)
	c.fsUsed = c.desc("filesystem_used_bytes", "Space used on the filesystem.", fs...)
	c.fsFree = c.desc("filesystem_free_bytes", "Space free on the filesystem for unprivileged users.", fs...)
	c.fsReadOnly = c.desc("filesystem_readonly", "1 when the filesystem is mounted read-only, else 0.", fs...)

	c.diskRead = c.desc("disk_read_bytes_total", "Bytes read from the block device since boot.", "device")
	c.diskWritten = c.desc("disk_written_bytes_total", "Bytes written to the block device since boot.", "device")
	c.diskBusy = c.desc("disk_busy_ratio", "Share of the last sample interval the block device had I/O in flight, 0-1.", "device")

	c.netRx = c.desc("network_receive_bytes_total", "Bytes received on the network interface since boot.", "interface")
	c.netTx = c.desc("network_transmit_bytes_total", "Bytes sent on the network interface since boot.", "interface")

	c.gpuPresent = c.desc("gpu_present", "1 when NVML found at least one NVIDIA GPU, else 0 with the reason label saying why.", "reason")
	c.gpuDevices = c.desc("gpu_devices", "Number of GPUs NVML reports.")
	c.gpuDriver = c.desc("gpu_driver_info", "NVIDIA driver, CUDA and NVML versions; always 1.", "driver_version", "cuda_version", "nvml_version")
	c.gpuLost = c.desc("gpu_lost", "1 when the GPU stopped answering (fell off the bus, needs a reset), else 0.", dev...)
	c.gpuUtil = c.desc("gpu_utilization_ratio", "Share of the last NVML sample period in which a kernel ran on the GPU, 0-1.", dev...)
	c.gpuMemUtil = c.desc("gpu_memory_utilization_ratio", "Share of the last NVML sample period in which GPU memory was read or written, 0-1.", dev...)
	c.gpuMemUsed = c.desc("gpu_memory_used_bytes", "GPU memory allocated, including driver reservations.", dev...)
	c.gpuMemTotal = c.desc("gpu_memory_total_bytes", "GPU memory size.", dev...)
	c.gpuMemFree = c.desc("gpu_memory_free_bytes", "GPU memory not allocated.", dev...)
	c.gpuTemp = c.desc("gpu_temperature_celsius", "GPU core temperature.", dev...)
	c.gpuPower = c.desc("gpu_power_watts", "Board power draw.", dev...)
	c.gpuPowerLimit = c.desc("gpu_power_limit_watts", "Power limit the driver enforces now.", dev...)
	c.gpuEnergy = c.desc("gpu_energy_joules_total", "Energy the GPU used since the driver was loaded.", dev...)
	c.gpuFan = c.desc("gpu_fan_ratio", "Intended fan speed as a share of its maximum, 0-1.", dev...)
	c.gpuSMClock = c.desc("gpu_sm_clock_hertz", "Current streaming-multiprocessor clock.", dev...)
	c.gpuMemClock = c.desc("gpu_memory_clock_hertz", "Current memory clock.", dev...)
	c.gpuPCIeGen = c.desc("gpu_pcie_link_generation", "Current PCIe link generation (it drops when idle).", dev...)
	c.gpuPCIeWidth = c.desc("gpu_pcie_link_width", "Current number of PCIe lanes.", dev...)
	c.gpuThrottle = c.desc("gpu_clock_throttle", "1 for each reason the GPU clocks are held below their maximum now.", append(dev, "reason")...)
	c.gpuProcesses = c.desc("gpu_processes", "Number of processes with a context on the GPU.", dev...)
	c.gpuProcMem = c.desc("gpu_process_memory_used_bytes",
		"GPU memory used by one process, for the top "+strconv.Itoa(MaxGPUProcesses)+" per GPU; pid=\"other\" sums the rest.",
		"gpu", "uuid", "pid", "name")

	c.afkState = c.desc("afk_state", "1 for the current presence state of the person at the machine (active, afk, unknown), 0 for the others.", "state")
	c.afk = c.desc("afk", "1 when the person is away (no input for the AFK threshold), 0 when active; absent when unknown.")
	c.idleSeconds = c.desc("idle_seconds", "Time since the last keyboard or pointer input; absent when unknown.")
	c.idleInhibited = c.desc("idle_inhibited", "1 while something asks the desktop not to go idle, else 0; absent when unknown.")
	c.afkThreshold = c.desc("afk_threshold_seconds", "Time without input after which the person counts as away.")
	c.procCnt = c.desc("processes", "Number of processes on the machine; present only when sysmon scans processes.")
	c.llmTokensPerSec = c.desc("llm_generation_tokens_per_second",
		"Generated tokens per second: llama-server's throughput over its last poll, else the latest generation parsed from a command run through sysmon.")
	c.llmServerUp = c.desc("llm_server_up", "1 when the local model server answers, 0 when it does not; absent when it is not asked.", "server")
	c.llmPromptTokens = c.desc("llm_run_prompt_tokens", "Prompt tokens parsed so far from the output of the command run through sysmon.")
	c.llmGenTokens = c.desc("llm_run_generated_tokens", "Generated tokens parsed so far from the output of the command run through sysmon.")
	return c
}

func (c *collector) desc(name, help string, labels ...string) *prometheus.Desc {
	d := prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
	c.all = append(c.all, d)
	return d
}

// Describe sends every metric the collector can emit.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.all {
		ch <- d
	}
}

// Collect emits the latest Sample. It reads only what latest returns.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	if c.latest == nil {
		return
	}
	s := c.latest()
	if s == nil {
		return
	}
	e := emitter{ch}
	if !s.Time.IsZero() {
		e.gauge(c.sampleTime, float64(s.Time.Unix())+float64(s.Time.Nanosecond())/1e9)
	}
	if s.IntervalSeconds > 0 {
		e.gauge(c.sampleInterval, s.IntervalSeconds)
	}
	for src := range s.Errors {
		e.gauge(c.sourceError, 1, src)
	}
	if h := s.Host; h != nil {
		e.gauge(c.hostInfo, 1, h.Hostname, h.OS, h.Platform, h.PlatformVersion, h.Kernel, h.Arch)
		e.gauge(c.uptime, h.UptimeSeconds)
	}
	c.collectCPU(e, s.CPU)
	c.collectMemory(e, s.Memory)
	c.collectStorage(e, s)
	c.collectGPU(e, s.GPU)
	c.collectIdle(e, s.Idle)
	if s.Processes != nil {
		e.gauge(c.procCnt, float64(s.Processes.Count))
	}
	c.collectLLM(e, s.LLM)
}

func (c *collector) collectLLM(e emitter, l *sampler.LLM) {
	if l == nil {
		return
	}
	e.opt(c.llmTokensPerSec, l.TokensPerSecond())
	up := func(running bool) float64 {
		if running {
			return 1
		}
		return 0
	}
	if o := l.Servers.Ollama; o != nil {
		e.gauge(c.llmServerUp, up(o.Running), "ollama")
	}
	if ls := l.Servers.LlamaServer; ls != nil {
		e.gauge(c.llmServerUp, up(ls.Running), "llama-server")
	}
	if r := l.Console; r != nil {
		if r.PromptTokens != nil {
			e.gauge(c.llmPromptTokens, float64(*r.PromptTokens))
		}
		if r.GeneratedTokens != nil {
			e.gauge(c.llmGenTokens, float64(*r.GeneratedTokens))
		}
	}
}

func (c *collector) collectCPU(e emitter, cpu *sampler.CPU) {
	if cpu == nil {
		return
	}
	e.ratio(c.cpuBusy, cpu.TotalPercent)
	for i, p := range cpu.PerCorePercent {
		e.ratio(c.cpuCoreBusy, p, strconv.Itoa(i))
	}
	if cpu.LogicalCores > 0 {
		e.gauge(c.cpuCores, float64(cpu.LogicalCores))
	}
	e.opt(c.load1, cpu.Load1)
	e.opt(c.load5, cpu.Load5)
	e.opt(c.load15, cpu.Load15)
}

func (c *collector) collectMemory(e emitter, m *sampler.Memory) {
	if m == nil {
		return
	}
	e.gauge(c.memTotal, float64(m.TotalBytes))
	e.gauge(c.memUsed, float64(m.UsedBytes))
	e.gauge(c.memAvailable, float64(m.AvailableBytes))
	e.gauge(c.memFree, float64(m.FreeBytes))
	e.gauge(c.memCached, float64(m.CachedBytes))
	e.gauge(c.memBuffers, float64(m.BuffersBytes))
	e.gauge(c.swapTotal, float64(m.SwapTotalBytes))
	e.gauge(c.swapUsed, float64(m.SwapUsedBytes))
	e.gauge(c.swapFree, float64(m.SwapFreeBytes))
}

// collectStorage emits filesystems, disks and network interfaces. A label set
// seen twice is emitted once: a duplicate series would fail the whole scrape.
func (c *collector) collectStorage(e emitter, s *sampler.Sample) {
	var seen map[string]bool
	once := func(key string) bool {
		if seen == nil {
			seen = map[string]bool{}
		}
		if seen[key] {
			return false
		}
		seen[key] = true
		return true
	}
	for _, f := range s.Filesystems {
		if !once("fs\x00" + f.Device + "\x00" + f.Mountpoint + "\x00" + f.FSType) {
			continue
		}
		l := []string{f.Device, f.Mountpoint, f.FSType}
		e.gauge(c.fsSize, float64(f.TotalBytes), l...)
		e.gauge(c.fsUsed, float64(f.UsedBytes), l...)
		e.gauge(c.fsFree, float64(f.FreeBytes), l...)
		e.gauge(c.fsReadOnly, boolFloat(f.ReadOnly), l...)
	}
	for _, d := range s.Disks {
		if !once("disk\x00" + d.Name) {
			continue
		}
		e.counter(c.diskRead, float64(d.ReadBytesTotal), d.Name)
		e.counter(c.diskWritten, float64(d.WriteBytesTotal), d.Name)
		e.ratio(c.diskBusy, d.BusyPercent, d.Name)
	}
	for _, n := range s.Network {
		if !once("net\x00" + n.Name) {
			continue
		}
		e.counter(c.netRx, float64(n.RxBytesTotal), n.Name)
		e.counter(c.netTx, float64(n.TxBytesTotal), n.Name)
	}
}

func (c *collector) collectGPU(e emitter, st *gpu.Status) {
	if st == nil {
		return
	}
	reason := ""
	if !st.Present {
		reason = st.Reason
		if reason == "" {
			reason = "unknown"
		}
	}
	e.gauge(c.gpuPresent, boolFloat(st.Present), reason)
	e.gauge(c.gpuDevices, float64(st.DeviceCount))
	if st.DriverVersion != "" || st.CUDAVersion != "" || st.NVMLVersion != "" {
		e.gauge(c.gpuDriver, 1, st.DriverVersion, st.CUDAVersion, st.NVMLVersion)
	}
	seen := make(map[int]bool, len(st.Devices))
	for i := range st.Devices {
		d := &st.Devices[i]
		if seen[d.Index] {
			continue
		}
		seen[d.Index] = true
		c.collectDevice(e, d)
	}
}

func (c *collector) collectDevice(e emitter, d *gpu.Device) {
	idx := strconv.Itoa(d.Index)
	l := []string{idx, d.Name, d.UUID}
	e.gauge(c.gpuLost, boolFloat(d.Lost), l...)
	e.ratio(c.gpuUtil, d.UtilizationGPUPercent, l...)
	e.ratio(c.gpuMemUtil, d.UtilizationMemoryPercent, l...)
	e.optUint(c.gpuMemUsed, d.MemoryUsedBytes, l...)
	e.optUint(c.gpuMemTotal, d.MemoryTotalBytes, l...)
	e.optUint(c.gpuMemFree, d.MemoryFreeBytes, l...)
	e.opt(c.gpuTemp, d.TemperatureCelsius, l...)
	e.opt(c.gpuPower, d.PowerWatts, l...)
	e.opt(c.gpuPowerLimit, d.PowerLimitWatts, l...)
	if d.EnergyJoules != nil {
		e.counter(c.gpuEnergy, *d.EnergyJoules, l...)
	}
	e.ratio(c.gpuFan, d.FanPercent, l...)
	if d.SMClockMHz != nil {
		e.gauge(c.gpuSMClock, float64(*d.SMClockMHz)*1e6, l...)
	}
	if d.MemoryClockMHz != nil {
		e.gauge(c.gpuMemClock, float64(*d.MemoryClockMHz)*1e6, l...)
	}
	if d.PCIeLinkGen != nil {
		e.gauge(c.gpuPCIeGen, float64(*d.PCIeLinkGen), l...)
	}
	if d.PCIeLinkWidth != nil {
		e.gauge(c.gpuPCIeWidth, float64(*d.PCIeLinkWidth), l...)
	}
	for i, r := range d.ThrottleReasons {
		if slices.Contains(d.ThrottleReasons[:i], r) {
			continue
		}
		e.gauge(c.gpuThrottle, 1, idx, d.Name, d.UUID, r)
	}
	if d.Processes == nil {
		return
	}
	e.gauge(c.gpuProcesses, float64(len(d.Processes)), l...)
	top, other, hasOther := topProcesses(d.Processes, MaxGPUProcesses)
	for _, p := range top {
		e.gauge(c.gpuProcMem, float64(*p.MemoryUsedBytes), idx, d.UUID, strconv.FormatUint(uint64(p.PID), 10), p.Name)
	}
	if hasOther {
		e.gauge(c.gpuProcMem, float64(other), idx, d.UUID, OtherProcesses, OtherProcesses)
	}
}

// topProcesses returns the n processes using the most VRAM (largest first,
// one per PID), the VRAM of the others summed, and whether there were others.
// Processes whose VRAM is unknown are left out of both: they have no value to
// report and no value to add.
func topProcesses(ps []gpu.Process, n int) (top []*gpu.Process, other uint64, hasOther bool) {
	known := make([]*gpu.Process, 0, len(ps))
	for i := range ps {
		if ps[i].MemoryUsedBytes != nil {
			known = append(known, &ps[i])
		}
	}
	slices.SortFunc(known, func(a, b *gpu.Process) int {
		if c := cmp.Compare(*b.MemoryUsedBytes, *a.MemoryUsedBytes); c != 0 {
			return c
		}
		return cmp.Compare(a.PID, b.PID)
	})
	top = known[:0:0]
	for i, p := range known {
		if len(top) == n {
			for _, q := range known[i:] {
				other += *q.MemoryUsedBytes
			}
			return top, other, true
		}
		// NVML lists a PID once per device; should it ever repeat one, the
		// first (largest) entry stands, as a second series with the same
		// labels would fail the scrape.
		if !slices.ContainsFunc(top, func(q *gpu.Process) bool { return q.PID == p.PID }) {
			top = append(top, p)
		}
	}
	return top, 0, false
}

func (c *collector) collectIdle(e emitter, st *idle.Status) {
	if st == nil {
		return
	}
	for _, s := range idleStates {
		e.gauge(c.afkState, boolFloat(st.State == s), string(s))
	}
	switch st.State {
	case idle.StateAFK:
		e.gauge(c.afk, 1)
	case idle.StateActive:
		e.gauge(c.afk, 0)
	}
	if st.IdleSeconds != nil {
		// The tracker reads Inhibited only together with the idle time.
		e.gauge(c.idleSeconds, *st.IdleSeconds)
		e.gauge(c.idleInhibited, boolFloat(st.Inhibited))
	}
	if st.ThresholdSeconds > 0 {
		e.gauge(c.afkThreshold, st.ThresholdSeconds)
	}
}

// emitter sends constant metrics. An invalid one (which only a bug here can
// cause) becomes an error in the scrape instead of a panic.
type emitter struct{ ch chan<- prometheus.Metric }

func (e emitter) send(d *prometheus.Desc, t prometheus.ValueType, v float64, labels []string) {
	m, err := prometheus.NewConstMetric(d, t, v, labels...)
	if err != nil {
		// Label values must be UTF-8; names from /proc or a mount table
		// need not be. Checked only on failure, as NewConstMetric checks.
		for i, l := range labels {
			if !utf8.ValidString(l) {
				labels[i] = strings.ToValidUTF8(l, "\uFFFD")
			}
		}
		if m, err = prometheus.NewConstMetric(d, t, v, labels...); err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
	}
	e.ch <- m
}

func (e emitter) gauge(d *prometheus.Desc, v float64, labels ...string) {
	e.send(d, prometheus.GaugeValue, v, labels)
}

func (e emitter) counter(d *prometheus.Desc, v float64, labels ...string) {
	e.send(d, prometheus.CounterValue, v, labels)
}

// opt emits a gauge when v is known.
func (e emitter) opt(d *prometheus.Desc, v *float64, labels ...string) {
	if v != nil {
		e.send(d, prometheus.GaugeValue, *v, labels)
	}
}

func (e emitter) optUint(d *prometheus.Desc, v *uint64, labels ...string) {
	if v != nil {
		e.send(d, prometheus.GaugeValue, float64(*v), labels)
	}
}

// ratio emits a percentage 0-100, when known, as a ratio 0-1.
func (e emitter) ratio(d *prometheus.Desc, pct *float64, labels ...string) {
	if pct != nil {
		e.send(d, prometheus.GaugeValue, *pct/100, labels)
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
