//go:build linux && cgo

package gpu

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/dl"
	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

const gib = 1 << 30

// nvmlCalls counts the session calls a test must see exactly so often.
type nvmlCalls struct{ init, shutdown int }

// newLib is a mock NVML whose Init answers initRet and which lists devs.
// Functions Open must not call after a failed Init are set anyway: the
// counters, not a nil-func panic, are what the tests assert on.
func newLib(initRet nvml.Return, devs ...*mock.Device) (*mock.Interface, *nvmlCalls) {
	calls := &nvmlCalls{}
	lib := &mock.Interface{
		InitFunc: func() nvml.Return {
			calls.init++
			return initRet
		},
		ShutdownFunc: func() nvml.Return {
			calls.shutdown++
			return nvml.SUCCESS
		},
		SystemGetDriverVersionFunc:     func() (string, nvml.Return) { return "550.54.15", nvml.SUCCESS },
		SystemGetNVMLVersionFunc:       func() (string, nvml.Return) { return "12.550.54.15", nvml.SUCCESS },
		SystemGetCudaDriverVersionFunc: func() (int, nvml.Return) { return 12040, nvml.SUCCESS },
		DeviceGetCountFunc:             func() (int, nvml.Return) { return len(devs), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) {
			if i < 0 || i >= len(devs) {
				return nil, nvml.ERROR_INVALID_ARGUMENT
			}
			return devs[i], nvml.SUCCESS
		},
		ExtensionsFunc: func() nvml.ExtendedInterface {
			return &mock.ExtendedInterface{LookupSymbolFunc: func(string) error { return nil }}
		},
	}
	return lib, calls
}

// newDevice is a healthy 16 GiB GPU with no processes; tests override the
// Funcs a case is about. Temperature rises by one per call so that tests can
// see a device keep updating.
func newDevice(index int) *mock.Device {
	temp := uint32(40)
	return &mock.Device{
		GetNameFunc:    func() (string, nvml.Return) { return "NVIDIA GeForce RTX 4080", nvml.SUCCESS },
		GetUUIDFunc:    func() (string, nvml.Return) { return fmt.Sprintf("GPU-%08d", index), nvml.SUCCESS },
		GetPciInfoFunc: func() (nvml.PciInfo, nvml.Return) { return pciInfo(busID(index)), nvml.SUCCESS },
		GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
			return nvml.Memory{Total: 16 * gib, Used: 2 * gib, Free: 14 * gib}, nvml.SUCCESS
		},
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: 5, Memory: 1}, nvml.SUCCESS
		},
		GetTemperatureFunc: func(nvml.TemperatureSensors) (uint32, nvml.Return) {
			temp++
			return temp - 1, nvml.SUCCESS
		},
		GetPowerUsageFunc:                func() (uint32, nvml.Return) { return 55500, nvml.SUCCESS },
		GetEnforcedPowerLimitFunc:        func() (uint32, nvml.Return) { return 320000, nvml.SUCCESS },
		GetTotalEnergyConsumptionFunc:    func() (uint64, nvml.Return) { return 1234567, nvml.SUCCESS },
		GetFanSpeedFunc:                  func() (uint32, nvml.Return) { return 30, nvml.SUCCESS },
		GetClockInfoFunc:                 clockInfo(1500, 10501),
		GetCurrentClocksEventReasonsFunc: func() (uint64, nvml.Return) { return nvml.ClocksEventReasonGpuIdle, nvml.SUCCESS },
		GetCurrPcieLinkGenerationFunc:    func() (int, nvml.Return) { return 4, nvml.SUCCESS },
		GetCurrPcieLinkWidthFunc:         func() (int, nvml.Return) { return 16, nvml.SUCCESS },
		GetComputeRunningProcessesFunc:   func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.SUCCESS },
		GetGraphicsRunningProcessesFunc:  func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.SUCCESS },
	}
}

// failDevice makes every query of d, identity ones included, answer ret.
func failDevice(d *mock.Device, ret nvml.Return) *mock.Device {
	d.GetNameFunc = func() (string, nvml.Return) { return "", ret }
	d.GetUUIDFunc = func() (string, nvml.Return) { return "", ret }
	d.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) { return nvml.PciInfo{}, ret }
	d.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) { return nvml.Memory{}, ret }
	d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{}, ret }
	d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 0, ret }
	d.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 0, ret }
	d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 0, ret }
	d.GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) { return 0, ret }
	d.GetFanSpeedFunc = func() (uint32, nvml.Return) { return 0, ret }
	d.GetClockInfoFunc = func(nvml.ClockType) (uint32, nvml.Return) { return 0, ret }
	d.GetCurrentClocksEventReasonsFunc = func() (uint64, nvml.Return) { return 0, ret }
	d.GetCurrPcieLinkGenerationFunc = func() (int, nvml.Return) { return 0, ret }
	d.GetCurrPcieLinkWidthFunc = func() (int, nvml.Return) { return 0, ret }
	d.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, ret }
	d.GetGraphicsRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, ret }
	return d
}

func clockInfo(sm, mem uint32) func(nvml.ClockType) (uint32, nvml.Return) {
	return func(c nvml.ClockType) (uint32, nvml.Return) {
		switch c {
		case nvml.CLOCK_SM:
			return sm, nvml.SUCCESS
		case nvml.CLOCK_MEM:
			return mem, nvml.SUCCESS
		}
		return 0, nvml.ERROR_INVALID_ARGUMENT
	}
}

func processes(p ...nvml.ProcessInfo) func() ([]nvml.ProcessInfo, nvml.Return) {
	return func() ([]nvml.ProcessInfo, nvml.Return) { return p, nvml.SUCCESS }
}

func busID(index int) string { return fmt.Sprintf("00000000:%02X:00.0", index+1) }

func pciInfo(bus string) nvml.PciInfo {
	var p nvml.PciInfo
	for i := 0; i < len(bus) && i < len(p.BusId)-1; i++ {
		p.BusId[i] = int8(bus[i])
	}
	return p
}

// openMock opens a Monitor over lib that reads process names from testdata.
func openMock(t testing.TB, lib nvml.Interface) *Monitor {
	t.Helper()
	m := OpenWith(lib)
	m.names.read = commReader(filepath.Join("testdata", "proc"))
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m
}

func wantValue[T comparable](t *testing.T, what string, got *T, want T) {
	t.Helper()
	switch {
	case got == nil:
		t.Errorf("%s absent, want %v", what, want)
	case *got != want:
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

func wantAbsent[T any](t *testing.T, what string, got *T) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %v, want absent", what, *got)
	}
}

// wantHealthy checks the values newDevice gives on the given tick.
func wantHealthy(t *testing.T, d Device, tick int) {
	t.Helper()
	if d.Lost || d.Error != "" {
		t.Errorf("GPU%d lost=%v error=%q, want a healthy device", d.Index, d.Lost, d.Error)
	}
	wantValue(t, "memory total", d.MemoryTotalBytes, 16*gib)
	wantValue(t, "memory used", d.MemoryUsedBytes, 2*gib)
	wantValue(t, "memory free", d.MemoryFreeBytes, 14*gib)
	wantValue(t, "temperature", d.TemperatureCelsius, float64(40+tick))
	wantValue(t, "power", d.PowerWatts, 55.5)
	wantValue(t, "power limit", d.PowerLimitWatts, 320.0)
	wantValue(t, "energy", d.EnergyJoules, 1234.567)
	wantValue(t, "fan", d.FanPercent, 30.0)
	wantValue(t, "sm clock", d.SMClockMHz, 1500)
	wantValue(t, "memory clock", d.MemoryClockMHz, 10501)
	wantValue(t, "pcie gen", d.PCIeLinkGen, 4)
	wantValue(t, "pcie width", d.PCIeLinkWidth, 16)
	if !slices.Equal(d.ThrottleReasons, []string{"gpu_idle"}) {
		t.Errorf("throttle reasons = %q, want [gpu_idle]", d.ThrottleReasons)
	}
	if d.Processes == nil {
		t.Error("processes nil, want an empty known list")
	}
}

// wantOnlyIdentity checks that a lost device carries no measurement.
func wantOnlyIdentity(t *testing.T, d Device) {
	t.Helper()
	id := Device{Index: d.Index, Name: d.Name, UUID: d.UUID, PCIBusID: d.PCIBusID, Lost: d.Lost, Error: d.Error}
	if b, _ := json.Marshal(d); string(b) != string(must(json.Marshal(id))) {
		t.Errorf("lost GPU%d has measurements: %s", d.Index, b)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestReadCases covers the field cases G1, G2, G3 and G5 and the rules
// behind them. Each case is read twice: the second tick must work as well.
func TestReadCases(t *testing.T) {
	tests := []struct {
		name    string
		devices func() []*mock.Device
		check   func(t *testing.T, tick int, st Status, devs []*mock.Device)
	}{
		{
			name: "G1 process memory not available",
			devices: func() []*mock.Device {
				d := newDevice(0)
				d.GetComputeRunningProcessesFunc = processes(nvml.ProcessInfo{Pid: 79, UsedGpuMemory: 0xFFFFFFFFFFFFFFFF})
				return []*mock.Device{d}
			},
			check: func(t *testing.T, tick int, st Status, _ []*mock.Device) {
				d := st.Devices[0]
				wantHealthy(t, d, tick)
				want := []Process{{PID: 79, Name: "ollama", Type: ProcessCompute}}
				if !slices.EqualFunc(d.Processes, want, sameProcess) {
					t.Errorf("processes = %s, want %s", must(json.Marshal(d.Processes)), must(json.Marshal(want)))
				}
			},
		},
		{
			name: "G2 utilization not supported on one device",
			devices: func() []*mock.Device {
				d0, d1 := newDevice(0), newDevice(1)
				d0.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
					return nvml.Utilization{Gpu: 37, Memory: 12}, nvml.SUCCESS
				}
				d1.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
					return nvml.Utilization{}, nvml.ERROR_NOT_SUPPORTED
				}
				return []*mock.Device{d0, d1}
			},
			check: func(t *testing.T, tick int, st Status, _ []*mock.Device) {
				wantValue(t, "GPU0 gpu utilization", st.Devices[0].UtilizationGPUPercent, 37.0)
				wantValue(t, "GPU0 memory utilization", st.Devices[0].UtilizationMemoryPercent, 12.0)
				wantAbsent(t, "GPU1 gpu utilization", st.Devices[1].UtilizationGPUPercent)
				wantAbsent(t, "GPU1 memory utilization", st.Devices[1].UtilizationMemoryPercent)
				wantHealthy(t, st.Devices[0], tick)
				wantHealthy(t, st.Devices[1], tick)
			},
		},
		{
			name: "G3 laptop without power limit and fan",
			devices: func() []*mock.Device {
				d := newDevice(0)
				d.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 18000, nvml.SUCCESS }
				d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
				d.GetFanSpeedFunc = func() (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
				d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 59, nvml.SUCCESS }
				return []*mock.Device{d}
			},
			check: func(t *testing.T, _ int, st Status, _ []*mock.Device) {
				d := st.Devices[0]
				wantValue(t, "power", d.PowerWatts, 18.0)
				wantAbsent(t, "power limit", d.PowerLimitWatts)
				wantAbsent(t, "fan", d.FanPercent)
				wantValue(t, "temperature", d.TemperatureCelsius, 59.0)
				if d.Lost || d.Error != "" {
					t.Errorf("lost=%v error=%q, want a healthy device", d.Lost, d.Error)
				}
			},
		},
		{
			name: "G5 middle device lost",
			devices: func() []*mock.Device {
				return []*mock.Device{newDevice(0), failDevice(newDevice(1), nvml.ERROR_GPU_IS_LOST), newDevice(2)}
			},
			check: func(t *testing.T, tick int, st Status, devs []*mock.Device) {
				wantLostMiddle(t, tick, st, "GPU_IS_LOST")
				// One failed call is enough: a fallen-off GPU can take long to fail each.
				if n := len(devs[1].GetUtilizationRatesCalls()); n != 0 {
					t.Errorf("lost device queried for utilization %d times, want 0", n)
				}
			},
		},
		{
			name: "G5 middle device answers ERROR_UNKNOWN",
			devices: func() []*mock.Device {
				return []*mock.Device{newDevice(0), failDevice(newDevice(1), nvml.ERROR_UNKNOWN), newDevice(2)}
			},
			check: func(t *testing.T, tick int, st Status, _ []*mock.Device) {
				wantLostMiddle(t, tick, st, "UNKNOWN")
			},
		},
		{
			name: "error on one query leaves only that field absent",
			devices: func() []*mock.Device {
				d := newDevice(0)
				d.GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) { return 0, nvml.ERROR_UNKNOWN }
				d.GetCurrPcieLinkWidthFunc = func() (int, nvml.Return) { return 0, nvml.ERROR_NO_PERMISSION }
				d.GetCurrentClocksEventReasonsFunc = func() (uint64, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
				return []*mock.Device{d}
			},
			check: func(t *testing.T, tick int, st Status, _ []*mock.Device) {
				d := st.Devices[0]
				wantAbsent(t, "energy", d.EnergyJoules)
				wantAbsent(t, "pcie width", d.PCIeLinkWidth)
				if d.ThrottleReasons != nil {
					t.Errorf("throttle reasons = %q, want absent", d.ThrottleReasons)
				}
				if d.Lost || d.Error != "" {
					t.Errorf("lost=%v error=%q, want a device still shown", d.Lost, d.Error)
				}
				wantValue(t, "temperature", d.TemperatureCelsius, float64(40+tick))
			},
		},
		{
			name: "compute and graphics lists merged by PID",
			devices: func() []*mock.Device {
				d := newDevice(0)
				d.GetComputeRunningProcessesFunc = processes(
					nvml.ProcessInfo{Pid: 100, UsedGpuMemory: 3 * gib},
					nvml.ProcessInfo{Pid: 4242, UsedGpuMemory: 0xFFFFFFFFFFFFFFFF},
				)
				d.GetGraphicsRunningProcessesFunc = processes(
					nvml.ProcessInfo{Pid: 200, UsedGpuMemory: 300 << 20},
					nvml.ProcessInfo{Pid: 100, UsedGpuMemory: 3 * gib},
					nvml.ProcessInfo{Pid: 4242, UsedGpuMemory: 1 << 20},
				)
				return []*mock.Device{d}
			},
			check: func(t *testing.T, _ int, st Status, _ []*mock.Device) {
				want := []Process{
					{PID: 100, Name: "python3", Type: ProcessComputeGraphics, MemoryUsedBytes: ptr[uint64](3 * gib)},
					{PID: 4242, Type: ProcessComputeGraphics, MemoryUsedBytes: ptr[uint64](1 << 20)},
					{PID: 200, Name: "Xorg", Type: ProcessGraphics, MemoryUsedBytes: ptr[uint64](300 << 20)},
				}
				got := st.Devices[0].Processes
				if !slices.EqualFunc(got, want, sameProcess) {
					t.Errorf("processes = %s, want %s", must(json.Marshal(got)), must(json.Marshal(want)))
				}
			},
		},
		{
			name: "process lists unreadable",
			devices: func() []*mock.Device {
				d := newDevice(0)
				d.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.ERROR_NO_PERMISSION }
				d.GetGraphicsRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return nil, nvml.ERROR_NOT_SUPPORTED }
				return []*mock.Device{d}
			},
			check: func(t *testing.T, _ int, st Status, _ []*mock.Device) {
				if p := st.Devices[0].Processes; p != nil {
					t.Errorf("processes = %v, want absent", p)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			devs := tt.devices()
			lib, _ := newLib(nvml.SUCCESS, devs...)
			m := openMock(t, lib)
			for tick := range 2 {
				st := m.Read()
				if !st.Present || st.DeviceCount != len(devs) || len(st.Devices) != len(devs) {
					t.Fatalf("tick %d: present=%v count=%d devices=%d, want %d devices",
						tick, st.Present, st.DeviceCount, len(st.Devices), len(devs))
				}
				tt.check(t, tick, st, devs)
			}
		})
	}
}

// wantLostMiddle checks G5: GPU1 lost with the NVML error, 0 and 2 updating.
func wantLostMiddle(t *testing.T, tick int, st Status, errWord string) {
	t.Helper()
	wantHealthy(t, st.Devices[0], tick)
	wantHealthy(t, st.Devices[2], tick)
	lost := st.Devices[1]
	if !lost.Lost || !strings.Contains(lost.Error, errWord) {
		t.Errorf("GPU1 lost=%v error=%q, want lost with %s", lost.Lost, lost.Error, errWord)
	}
	wantOnlyIdentity(t, lost)
	if lost.Index != 1 {
		t.Errorf("lost device index = %d, want 1", lost.Index)
	}
}

func sameProcess(a, b Process) bool {
	return a.PID == b.PID && a.Name == b.Name && a.Type == b.Type &&
		(a.MemoryUsedBytes == nil) == (b.MemoryUsedBytes == nil) &&
		(a.MemoryUsedBytes == nil || *a.MemoryUsedBytes == *b.MemoryUsedBytes)
}

func TestIdentityAndVersions(t *testing.T) {
	lib, _ := newLib(nvml.SUCCESS, newDevice(0), newDevice(1))
	st := openMock(t, lib).Read()
	if st.DriverVersion != "550.54.15" || st.CUDAVersion != "12.4" || st.NVMLVersion != "12.550.54.15" {
		t.Errorf("versions = %q %q %q, want 550.54.15 12.4 12.550.54.15", st.DriverVersion, st.CUDAVersion, st.NVMLVersion)
	}
	for i, d := range st.Devices {
		if d.Index != i || d.Name != "NVIDIA GeForce RTX 4080" || d.UUID != fmt.Sprintf("GPU-%08d", i) || d.PCIBusID != busID(i) {
			t.Errorf("device %d identity = %d %q %q %q", i, d.Index, d.Name, d.UUID, d.PCIBusID)
		}
	}
}

func TestCUDAVersion(t *testing.T) {
	for v, want := range map[int]string{12040: "12.4", 11080: "11.8", 12000: "12.0", 13010: "13.1"} {
		if got := cudaVersion(v); got != want {
			t.Errorf("cudaVersion(%d) = %q, want %q", v, got, want)
		}
	}
}

// TestInitFails is G4: no usable driver gives an absent Status naming the
// reason, and Shutdown is never called after a failed Init.
func TestInitFails(t *testing.T) {
	tests := []struct {
		ret  nvml.Return
		want string
	}{
		{nvml.ERROR_LIBRARY_NOT_FOUND, "no NVIDIA driver/library installed (libnvidia-ml.so.1 not found)"},
		{nvml.ERROR_DRIVER_NOT_LOADED, "NVIDIA driver not loaded"},
		{nvml.ERROR_NO_PERMISSION, "no permission to access the NVIDIA driver"},
		{nvml.ERROR_LIB_RM_VERSION_MISMATCH, nvml.ERROR_LIB_RM_VERSION_MISMATCH.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.ret.Error(), func(t *testing.T) {
			lib, calls := newLib(tt.ret, newDevice(0))
			m := OpenWith(lib)
			for range 2 {
				st := m.Read()
				if st.Present || st.Reason != tt.want || st.DeviceCount != 0 || st.Devices != nil {
					t.Errorf("Read = %+v, want absent with reason %q", st, tt.want)
				}
			}
			if err := m.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if calls.init != 1 || calls.shutdown != 0 {
				t.Errorf("Init called %d times, Shutdown %d times; want 1 and 0", calls.init, calls.shutdown)
			}
			if n := len(lib.DeviceGetCountCalls()); n != 0 {
				t.Errorf("DeviceGetCount called %d times after a failed Init", n)
			}
		})
	}
}

func TestNoDevices(t *testing.T) {
	lib, calls := newLib(nvml.SUCCESS)
	m := OpenWith(lib)
	st := m.Read()
	if st.Present || st.Reason != "no NVIDIA devices found" || st.DriverVersion != "550.54.15" {
		t.Errorf("Read = %+v, want absent with reason and driver version", st)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if calls.shutdown != 1 {
		t.Errorf("Shutdown called %d times after a successful Init, want 1", calls.shutdown)
	}
}

func TestDeviceCountFails(t *testing.T) {
	lib, _ := newLib(nvml.SUCCESS)
	lib.DeviceGetCountFunc = func() (int, nvml.Return) { return 0, nvml.ERROR_NO_PERMISSION }
	st := openMock(t, lib).Read()
	if st.Present || st.Reason != "no permission to access the NVIDIA driver" {
		t.Errorf("Read = %+v, want absent for lack of permission", st)
	}
}

func TestCloseShutsDownOnce(t *testing.T) {
	d := newDevice(0)
	lib, calls := newLib(nvml.SUCCESS, d)
	m := OpenWith(lib)
	m.Read()
	for range 2 {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	if calls.init != 1 || calls.shutdown != 1 {
		t.Errorf("Init called %d times, Shutdown %d times; want 1 and 1", calls.init, calls.shutdown)
	}
	before := len(d.GetMemoryInfoCalls())
	if st := m.Read(); st.Present || st.Reason == "" {
		t.Errorf("Read after Close = %+v, want absent with a reason", st)
	}
	if after := len(d.GetMemoryInfoCalls()); after != before {
		t.Errorf("Read after Close queried the device (%d calls, was %d)", after, before)
	}
}

func TestCloseReportsShutdownError(t *testing.T) {
	lib, _ := newLib(nvml.SUCCESS, newDevice(0))
	lib.ShutdownFunc = func() nvml.Return { return nvml.ERROR_UNKNOWN }
	err := OpenWith(lib).Close()
	if err == nil || !strings.Contains(err.Error(), "UNKNOWN") {
		t.Errorf("Close = %v, want the shutdown error", err)
	}
}

// TestHandleFails: a device NVML gives no handle for is reported with the
// error, and the others are read normally.
func TestHandleFails(t *testing.T) {
	tests := []struct {
		ret  nvml.Return
		lost bool
	}{
		{nvml.ERROR_NO_PERMISSION, false},
		{nvml.ERROR_GPU_IS_LOST, true},
	}
	for _, tt := range tests {
		t.Run(tt.ret.Error(), func(t *testing.T) {
			devs := []*mock.Device{newDevice(0), newDevice(1)}
			lib, _ := newLib(nvml.SUCCESS, devs...)
			lib.DeviceGetHandleByIndexFunc = func(i int) (nvml.Device, nvml.Return) {
				if i == 1 {
					return nil, tt.ret
				}
				return devs[i], nvml.SUCCESS
			}
			st := openMock(t, lib).Read()
			wantHealthy(t, st.Devices[0], 0)
			d := st.Devices[1]
			if d.Index != 1 || d.Lost != tt.lost || !strings.Contains(d.Error, tt.ret.Error()) {
				t.Errorf("GPU1 = %+v, want index 1, lost=%v, error naming %s", d, tt.lost, tt.ret.Error())
			}
			wantOnlyIdentity(t, d)
		})
	}
}

func TestClockReasonNames(t *testing.T) {
	tests := []struct {
		bits uint64
		want []string
	}{
		{0, []string{}},
		{nvml.ClocksEventReasonSwPowerCap | nvml.ClocksThrottleReasonHwThermalSlowdown, []string{"sw_power_cap", "hw_thermal"}},
		{nvml.ClocksEventReasonAll, []string{
			"gpu_idle", "applications_clocks", "sw_power_cap", "hw_slowdown", "sync_boost", "sw_thermal",
			"hw_thermal", "hw_power_brake", "display_clocks", "board_limit", "reliability",
		}},
		{1<<40 | nvml.ClocksEventReasonSyncBoost, []string{"sync_boost", "other_0x10000000000"}},
	}
	for _, tt := range tests {
		got := clockReasonNames(tt.bits)
		if got == nil || !slices.Equal(got, tt.want) {
			t.Errorf("clockReasonNames(%#x) = %#v, want %#v", tt.bits, got, tt.want)
		}
	}
}

// TestClockReasonsSymbol: the clocks-event query is only called under a
// name the loaded library exports; a missing symbol would abort the process.
func TestClockReasonsSymbol(t *testing.T) {
	tests := []struct {
		name    string
		exports []string
		want    []string
	}{
		{"driver 535 and later", []string{"nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"}, []string{"sw_power_cap"}},
		{"older driver", []string{"nvmlDeviceGetCurrentClocksThrottleReasons"}, []string{"hw_slowdown"}},
		{"neither", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDevice(0)
			d.GetCurrentClocksEventReasonsFunc = nil
			if slices.Contains(tt.exports, "nvmlDeviceGetCurrentClocksEventReasons") {
				d.GetCurrentClocksEventReasonsFunc = func() (uint64, nvml.Return) { return nvml.ClocksEventReasonSwPowerCap, nvml.SUCCESS }
			}
			if slices.Contains(tt.exports, "nvmlDeviceGetCurrentClocksThrottleReasons") {
				d.GetCurrentClocksThrottleReasonsFunc = func() (uint64, nvml.Return) { return nvml.ClocksThrottleReasonHwSlowdown, nvml.SUCCESS }
			}
			lib, _ := newLib(nvml.SUCCESS, d)
			lib.ExtensionsFunc = func() nvml.ExtendedInterface {
				return &mock.ExtendedInterface{LookupSymbolFunc: func(name string) error {
					if slices.Contains(tt.exports, name) {
						return nil
					}
					return fmt.Errorf("%s: undefined symbol", name)
				}}
			}
			got := openMock(t, lib).Read().Devices[0].ThrottleReasons
			if !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("throttle reasons = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestDGXH100 reads the 8-GPU server go-nvml ships as a mock, filling in
// the device queries it leaves nil.
func TestDGXH100(t *testing.T) {
	srv := dgxh100.New()
	for i, dev := range srv.Devices {
		d := dev.(*server.Device)
		d.MemoryInfo = nvml.Memory{Total: d.MemoryInfo.Total, Used: uint64(i+1) * gib, Free: d.MemoryInfo.Total - uint64(i+1)*gib}
		d.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) { return pciInfo(d.PciBusID), nvml.SUCCESS }
		d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: uint32(10 * i), Memory: uint32(i)}, nvml.SUCCESS
		}
		d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return uint32(30 + i), nvml.SUCCESS }
		d.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 400000, nvml.SUCCESS }
		d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 700000, nvml.SUCCESS }
		d.GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) { return 5000, nvml.SUCCESS }
		// SXM boards have no fan of their own.
		d.GetFanSpeedFunc = func() (uint32, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
		d.GetClockInfoFunc = clockInfo(1980, 2619)
		d.GetCurrentClocksEventReasonsFunc = func() (uint64, nvml.Return) { return 0, nvml.SUCCESS }
		d.GetCurrPcieLinkGenerationFunc = func() (int, nvml.Return) { return 5, nvml.SUCCESS }
		d.GetCurrPcieLinkWidthFunc = func() (int, nvml.Return) { return 16, nvml.SUCCESS }
		d.GetComputeRunningProcessesFunc = processes(nvml.ProcessInfo{Pid: 100, UsedGpuMemory: uint64(i+1) * gib})
		d.GetGraphicsRunningProcessesFunc = processes()
	}
	m := openMock(t, srv)
	st := m.Read()
	if !st.Present || st.DeviceCount != 8 || len(st.Devices) != 8 {
		t.Fatalf("present=%v count=%d devices=%d, want 8 devices", st.Present, st.DeviceCount, len(st.Devices))
	}
	if st.DriverVersion != "550.54.15" || st.CUDAVersion != "12.4" || st.NVMLVersion != "12.550.54.15" {
		t.Errorf("versions = %q %q %q", st.DriverVersion, st.CUDAVersion, st.NVMLVersion)
	}
	uuids := map[string]bool{}
	for i, d := range st.Devices {
		srvDev := srv.Devices[i].(*server.Device)
		if d.Index != i || d.Name != "NVIDIA H100 80GB HBM3" || d.UUID != srvDev.UUID || d.PCIBusID != srvDev.PciBusID {
			t.Errorf("GPU%d identity = %d %q %q %q", i, d.Index, d.Name, d.UUID, d.PCIBusID)
		}
		uuids[d.UUID] = true
		wantValue(t, "memory total", d.MemoryTotalBytes, 80*gib)
		wantValue(t, "memory used", d.MemoryUsedBytes, uint64(i+1)*gib)
		wantValue(t, "gpu utilization", d.UtilizationGPUPercent, float64(10*i))
		wantValue(t, "power", d.PowerWatts, 400.0)
		wantValue(t, "power limit", d.PowerLimitWatts, 700.0)
		wantAbsent(t, "fan", d.FanPercent)
		if d.ThrottleReasons == nil || len(d.ThrottleReasons) != 0 {
			t.Errorf("GPU%d throttle reasons = %#v, want known and empty", i, d.ThrottleReasons)
		}
		want := []Process{{PID: 100, Name: "python3", Type: ProcessCompute, MemoryUsedBytes: ptr(uint64(i+1) * gib)}}
		if !slices.EqualFunc(d.Processes, want, sameProcess) {
			t.Errorf("GPU%d processes = %s", i, must(json.Marshal(d.Processes)))
		}
	}
	if len(uuids) != 8 {
		t.Errorf("%d distinct UUIDs, want 8", len(uuids))
	}
}

// TestProcessNameCache: a name is read once while its PID stays listed, and
// read again after a tick without it (the PID may now be another process).
func TestProcessNameCache(t *testing.T) {
	root := t.TempDir()
	setComm := func(name string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, "7"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "7", "comm"), []byte(name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var listed []nvml.ProcessInfo
	d := newDevice(0)
	d.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) { return listed, nvml.SUCCESS }
	lib, _ := newLib(nvml.SUCCESS, d)
	m := openMock(t, lib)
	m.names.read = commReader(root)
	name := func() string {
		t.Helper()
		p := m.Read().Devices[0].Processes
		if len(p) != 1 {
			t.Fatalf("processes = %v, want PID 7 only", p)
		}
		return p[0].Name
	}

	listed = []nvml.ProcessInfo{{Pid: 7, UsedGpuMemory: gib}}
	if got := name(); got != "" {
		t.Errorf("PID without a /proc entry: name %q, want absent", got)
	}
	listed = nil
	m.Read()
	setComm("llama-server")
	listed = []nvml.ProcessInfo{{Pid: 7, UsedGpuMemory: gib}}
	if got := name(); got != "llama-server" {
		t.Errorf("name = %q, want llama-server", got)
	}
	setComm("bash")
	if got := name(); got != "llama-server" {
		t.Errorf("name while still listed = %q, want the cached llama-server", got)
	}
	listed = nil
	m.Read()
	if n := len(m.names.names); n != 0 {
		t.Errorf("cache holds %d names after their PIDs left, want 0", n)
	}
	listed = []nvml.ProcessInfo{{Pid: 7, UsedGpuMemory: gib}}
	if got := name(); got != "bash" {
		t.Errorf("name after the PID came back = %q, want bash", got)
	}
}

// TestOpenSystem opens the real library. Where libnvidia-ml.so.1 cannot be
// loaded (this project's CI) that must be a clean absent Status naming it.
func TestOpenSystem(t *testing.T) {
	lib := dl.New("libnvidia-ml.so.1", dl.RTLD_LAZY|dl.RTLD_LOCAL)
	libMissing := lib.Open() != nil
	if !libMissing {
		if err := lib.Close(); err != nil {
			t.Fatal(err)
		}
	}
	m := Open()
	st := m.Read()
	switch {
	case libMissing:
		if st.Present || st.Reason != "no NVIDIA driver/library installed (libnvidia-ml.so.1 not found)" {
			t.Errorf("without the library: %+v, want absent naming the library", st)
		}
	case st.Present:
		if len(st.Devices) != st.DeviceCount || st.DriverVersion == "" || st.CUDAVersion == "" {
			t.Errorf("present Status incomplete: %+v", st)
		}
		t.Logf("status: %s", must(json.MarshalIndent(st, "", "  ")))
	case st.Reason == "":
		t.Error("absent Status without a reason")
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
