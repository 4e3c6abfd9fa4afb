// Package gpu reports NVIDIA GPUs through NVML: whether a driver is there,
// and per-device and per-process usage on every tick.
//
// The types in this file are shared by every platform, so that callers and
// the JSON snapshot look the same whether or not NVML can be used. Values
// that cannot be read are absent (nil pointer, omitted in JSON), never 0.
package gpu

// Process types, as reported in [Process.Type].
const (
	// ProcessCompute is a process with a CUDA/compute context on the device.
	ProcessCompute = "compute"
	// ProcessGraphics is a process with a graphics context on the device.
	ProcessGraphics = "graphics"
	// ProcessComputeGraphics is a process listed with both kinds of context.
	ProcessComputeGraphics = "compute+graphics"
)

// Status is one reading of all NVIDIA GPUs on the machine.
type Status struct {
	// Present is true when NVML initialised and found at least one device.
	Present bool `json:"present"`
	// Reason says in plain words why no GPU is reported; empty when Present.
	Reason string `json:"reason,omitempty"`
	// DriverVersion is the kernel driver version, e.g. "550.54.15".
	DriverVersion string `json:"driver_version,omitempty"`
	// CUDAVersion is the newest CUDA version the driver supports, e.g. "12.4".
	CUDAVersion string `json:"cuda_version,omitempty"`
	// NVMLVersion is the version of the NVML library, e.g. "12.550.54.15".
	NVMLVersion string `json:"nvml_version,omitempty"`
	// DeviceCount is the number of devices NVML reports (0 when none can be seen).
	DeviceCount int `json:"device_count"`
	// Devices holds one entry per device, in NVML index order.
	Devices []Device `json:"devices,omitempty"`
}

// Device is one GPU. Every measurement is optional: nil means NVML could not
// give it this tick (not supported, no permission, or an error).
type Device struct {
	// Index is the NVML device index (0-based, the order nvidia-smi uses).
	Index int `json:"index"`
	// Name is the product name, e.g. "NVIDIA H100 80GB HBM3".
	Name string `json:"name,omitempty"`
	// UUID is the stable device identifier, e.g. "GPU-5f1c...".
	UUID string `json:"uuid,omitempty"`
	// PCIBusID is the PCI address, e.g. "00000000:01:00.0".
	PCIBusID string `json:"pci_bus_id,omitempty"`
	// Lost is true when the device stopped answering (fell off the bus,
	// needs a reset); only the identity fields and Error are set then.
	Lost bool `json:"lost,omitempty"`
	// Error describes why the device could not be read, when it could not.
	Error string `json:"error,omitempty"`

	// MemoryTotalBytes is the framebuffer size.
	MemoryTotalBytes *uint64 `json:"memory_total_bytes,omitempty"`
	// MemoryUsedBytes is the allocated framebuffer, including driver reservations.
	MemoryUsedBytes *uint64 `json:"memory_used_bytes,omitempty"`
	// MemoryFreeBytes is the unallocated framebuffer.
	MemoryFreeBytes *uint64 `json:"memory_free_bytes,omitempty"`
	// UtilizationGPUPercent is the share of the last sample period in which a kernel ran (0-100).
	UtilizationGPUPercent *float64 `json:"utilization_gpu_percent,omitempty"`
	// UtilizationMemoryPercent is the share of the last sample period in which memory was read or written (0-100).
	UtilizationMemoryPercent *float64 `json:"utilization_memory_percent,omitempty"`
	// TemperatureCelsius is the GPU core temperature.
	TemperatureCelsius *float64 `json:"temperature_celsius,omitempty"`
	// PowerWatts is the current board power draw.
	PowerWatts *float64 `json:"power_watts,omitempty"`
	// PowerLimitWatts is the power limit the driver enforces now.
	PowerLimitWatts *float64 `json:"power_limit_watts,omitempty"`
	// EnergyJoules is the energy used since the driver was last loaded (a counter).
	EnergyJoules *float64 `json:"energy_joules,omitempty"`
	// FanPercent is the intended fan speed as a share of its maximum (0-100).
	FanPercent *float64 `json:"fan_percent,omitempty"`
	// SMClockMHz is the current streaming-multiprocessor clock.
	SMClockMHz *uint32 `json:"sm_clock_mhz,omitempty"`
	// MemoryClockMHz is the current memory clock.
	MemoryClockMHz *uint32 `json:"memory_clock_mhz,omitempty"`
	// ThrottleReasons names why clocks are held below their maximum, e.g.
	// "sw_power_cap", "hw_thermal". nil when unknown; empty when nothing holds
	// them back (omitzero keeps that difference in JSON: absent versus []).
	ThrottleReasons []string `json:"throttle_reasons,omitzero"`
	// PCIeLinkGen is the current PCIe link generation (it drops when idle).
	PCIeLinkGen *int `json:"pcie_link_gen,omitempty"`
	// PCIeLinkWidth is the current number of PCIe lanes.
	PCIeLinkWidth *int `json:"pcie_link_width,omitempty"`
	// Processes are the processes with a context on this device, one entry
	// per PID. nil when the lists could not be read; empty when there are none.
	Processes []Process `json:"processes,omitzero"`
}

// Process is one process using a GPU.
type Process struct {
	// PID is the process ID as NVML reports it (the host PID namespace).
	PID uint32 `json:"pid"`
	// Name is the command name: /proc/PID/comm on Linux, the executable's
	// file name on Windows; empty when unreadable.
	Name string `json:"name,omitempty"`
	// Type is ProcessCompute, ProcessGraphics or ProcessComputeGraphics.
	Type string `json:"type"`
	// MemoryUsedBytes is the device memory the process uses; nil when NVML
	// does not know it (for example under WDDM or without permission).
	MemoryUsedBytes *uint64 `json:"memory_used_bytes,omitempty"`
}
