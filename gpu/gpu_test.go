package gpu

import (
	"encoding/json"
	"testing"
)

// TestJSONFieldNames pins the snapshot format: scripts read these names.
func TestJSONFieldNames(t *testing.T) {
	u64 := func(v uint64) *uint64 { return &v }
	u32 := func(v uint32) *uint32 { return &v }
	f64 := func(v float64) *float64 { return &v }
	i := func(v int) *int { return &v }
	tests := []struct {
		name string
		in   Status
		want string
	}{
		{
			name: "absent",
			in:   Status{Reason: "NVIDIA driver not loaded"},
			want: `{"present":false,"reason":"NVIDIA driver not loaded","device_count":0}`,
		},
		{
			name: "every field",
			in: Status{
				Present: true, DriverVersion: "550.54.15", CUDAVersion: "12.4", NVMLVersion: "12.550.54.15", DeviceCount: 1,
				Devices: []Device{{
					Index: 0, Name: "NVIDIA H100 80GB HBM3", UUID: "GPU-1", PCIBusID: "00000000:01:00.0",
					MemoryTotalBytes: u64(85899345920), MemoryUsedBytes: u64(1 << 30), MemoryFreeBytes: u64(84825604096),
					UtilizationGPUPercent: f64(37), UtilizationMemoryPercent: f64(12), TemperatureCelsius: f64(59),
					PowerWatts: f64(18), PowerLimitWatts: f64(700), EnergyJoules: f64(1234.5), FanPercent: f64(30),
					SMClockMHz: u32(1980), MemoryClockMHz: u32(2619), ThrottleReasons: []string{"sw_power_cap"},
					PCIeLinkGen: i(5), PCIeLinkWidth: i(16),
					Processes: []Process{{PID: 79, Name: "ollama", Type: "compute", MemoryUsedBytes: u64(1 << 30)}},
				}},
			},
			want: `{"present":true,"driver_version":"550.54.15","cuda_version":"12.4","nvml_version":"12.550.54.15",` +
				`"device_count":1,"devices":[{"index":0,"name":"NVIDIA H100 80GB HBM3","uuid":"GPU-1",` +
				`"pci_bus_id":"00000000:01:00.0","memory_total_bytes":85899345920,"memory_used_bytes":1073741824,` +
				`"memory_free_bytes":84825604096,"utilization_gpu_percent":37,"utilization_memory_percent":12,` +
				`"temperature_celsius":59,"power_watts":18,"power_limit_watts":700,"energy_joules":1234.5,` +
				`"fan_percent":30,"sm_clock_mhz":1980,"memory_clock_mhz":2619,"throttle_reasons":["sw_power_cap"],` +
				`"pcie_link_gen":5,"pcie_link_width":16,` +
				`"processes":[{"pid":79,"name":"ollama","type":"compute","memory_used_bytes":1073741824}]}]}`,
		},
		{
			name: "lost device and unknown values",
			in: Status{
				Present: true, DeviceCount: 2,
				Devices: []Device{
					{Index: 0, ThrottleReasons: []string{}, Processes: []Process{{PID: 79, Type: "compute"}}},
					{Index: 1, UUID: "GPU-2", Lost: true, Error: "memory info: GPU is lost"},
				},
			},
			want: `{"present":true,"device_count":2,"devices":[` +
				`{"index":0,"throttle_reasons":[],"processes":[{"pid":79,"type":"compute"}]},` +
				`{"index":1,"uuid":"GPU-2","lost":true,"error":"memory info: GPU is lost"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("JSON\n got %s\nwant %s", b, tt.want)
			}
		})
	}
}
