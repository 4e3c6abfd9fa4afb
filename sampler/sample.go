// Package sampler takes one Sample of the machine per tick from a set of
// independent sources (CPU, memory, filesystems, disks, network, host, GPU,
// idle), keeps recent values in a fixed-size History and fans each Sample out
// to subscribers without ever waiting for them.
package sampler

import (
	"time"

	"sysmon/gpu"
	"sysmon/idle"
)

// Sample is one snapshot of the machine. Units are base units: bytes, bytes
// per second, percent 0-100, seconds. A field that could not be read is absent
// (nil pointer, omitted in JSON); rates and percentages are absent in the
// first sample because they need two readings.
type Sample struct {
	// Time is the wall-clock time of the reading, for display only; rates use
	// the monotonic clock.
	Time time.Time `json:"time"`
	// IntervalSeconds is the monotonic time since the previous reading that
	// the rates were computed over (0 in the first sample).
	IntervalSeconds float64      `json:"interval_seconds"`
	Host            *Host        `json:"host,omitempty"`
	CPU             *CPU         `json:"cpu,omitempty"`
	Memory          *Memory      `json:"memory,omitempty"`
	Filesystems     []Filesystem `json:"filesystems,omitempty"`
	Disks           []Disk       `json:"disks,omitempty"`
	Network         []Interface  `json:"network,omitempty"`
	// GPU is always present once a GPU source runs: either the devices or
	// the reason there are none.
	GPU *gpu.Status `json:"gpu,omitempty"`
	// Idle is whether the user is at the machine (AFK state and idle time).
	Idle *idle.Status `json:"idle,omitempty"`
	// LLM is what local model servers report and what a run printed.
	LLM *LLM `json:"llm,omitempty"`
	// Processes is present only when asked for (snapshot --processes N).
	Processes *Processes `json:"processes,omitempty"`
	// Errors maps a source name to why it gave nothing this tick.
	Errors map[string]string `json:"errors,omitempty"`
}

// Host describes the machine and how long it has been up.
type Host struct {
	Hostname        string  `json:"hostname"`
	OS              string  `json:"os"`
	Platform        string  `json:"platform,omitempty"`
	PlatformVersion string  `json:"platform_version,omitempty"`
	Kernel          string  `json:"kernel,omitempty"`
	Arch            string  `json:"arch,omitempty"`
	UptimeSeconds   float64 `json:"uptime_seconds"`
}

// CPU holds utilisation over the last interval and the processor's identity.
type CPU struct {
	Model         string `json:"model,omitempty"`
	PhysicalCores int    `json:"physical_cores,omitempty"`
	LogicalCores  int    `json:"logical_cores"`
	// TotalPercent is the busy share of all cores, 0-100.
	TotalPercent *float64 `json:"total_percent,omitempty"`
	// PerCorePercent has one entry per logical core; an entry is null when
	// that core's counters gave no valid value this interval.
	PerCorePercent []*float64 `json:"per_core_percent,omitempty"`
	Load1          *float64   `json:"load1,omitempty"`
	Load5          *float64   `json:"load5,omitempty"`
	Load15         *float64   `json:"load15,omitempty"`
}

// Memory follows procps free: used = total - available.
type Memory struct {
	TotalBytes     uint64  `json:"total_bytes"`
	UsedBytes      uint64  `json:"used_bytes"`
	AvailableBytes uint64  `json:"available_bytes"`
	FreeBytes      uint64  `json:"free_bytes"`
	CachedBytes    uint64  `json:"cached_bytes"`
	BuffersBytes   uint64  `json:"buffers_bytes"`
	UsedPercent    float64 `json:"used_percent"`
	SwapTotalBytes uint64  `json:"swap_total_bytes"`
	SwapUsedBytes  uint64  `json:"swap_used_bytes"`
	SwapFreeBytes  uint64  `json:"swap_free_bytes"`
	// SwapUsedPercent is absent when there is no swap.
	SwapUsedPercent *float64 `json:"swap_used_percent,omitempty"`
}

// Filesystem is one mounted filesystem, listed once per device however many
// times it is mounted or bind-mounted.
type Filesystem struct {
	Device      string  `json:"device"`
	Mountpoint  string  `json:"mountpoint"`
	FSType      string  `json:"fstype"`
	TotalBytes  uint64  `json:"total_bytes"`
	UsedBytes   uint64  `json:"used_bytes"`
	FreeBytes   uint64  `json:"free_bytes"`
	UsedPercent float64 `json:"used_percent"`
	ReadOnly    bool    `json:"read_only,omitempty"`
}

// Disk is one physical block device's throughput.
type Disk struct {
	Name             string   `json:"name"`
	ReadBytesPerSec  *float64 `json:"read_bytes_per_sec,omitempty"`
	WriteBytesPerSec *float64 `json:"write_bytes_per_sec,omitempty"`
	// BusyPercent is the share of the interval the device had I/O in flight.
	BusyPercent     *float64 `json:"busy_percent,omitempty"`
	ReadBytesTotal  uint64   `json:"read_bytes_total"`
	WriteBytesTotal uint64   `json:"write_bytes_total"`
}

// Interface is one network interface's throughput and counters since boot.
type Interface struct {
	Name          string   `json:"name"`
	RxBytesPerSec *float64 `json:"rx_bytes_per_sec,omitempty"`
	TxBytesPerSec *float64 `json:"tx_bytes_per_sec,omitempty"`
	RxBytesTotal  uint64   `json:"rx_bytes_total"`
	TxBytesTotal  uint64   `json:"tx_bytes_total"`
}

func ptr[T any](v T) *T { return &v }
