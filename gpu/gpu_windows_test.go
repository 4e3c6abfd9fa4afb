//go:build windows

package gpu

import (
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// The tests that need a known nvml.dll run only when SYSMON_FAKE_NVML=1:
// make windows-smoke runs this package's tests under Wine with
// e2e/testdata/fakenvml built as nvml.dll in system32 and FAKENVML_PID set.

func TestReturnNames(t *testing.T) {
	for ret, want := range map[nvmlReturn]string{
		0:   "SUCCESS",
		3:   "ERROR_NOT_SUPPORTED",
		15:  "ERROR_GPU_IS_LOST",
		30:  "ERROR_RESET_TYPE_NOT_SUPPORTED",
		999: "ERROR_UNKNOWN",
		31:  "unknown return value: 31",
		-1:  "unknown return value: -1",
	} {
		if got := ret.Error(); got != want {
			t.Errorf("nvmlReturn(%d).Error() = %q, want %q", int32(ret), got, want)
		}
	}
}

// fakeLib loads the fake nvml.dll, or skips outside the smoke test.
func fakeLib(t *testing.T) (*nvmlDLL, uint32) {
	t.Helper()
	if os.Getenv("SYSMON_FAKE_NVML") != "1" {
		t.Skip("needs the fake nvml.dll: set SYSMON_FAKE_NVML=1 (make windows-smoke does)")
	}
	pid, err := strconv.ParseUint(os.Getenv("FAKENVML_PID"), 10, 32)
	if err != nil {
		t.Fatalf("FAKENVML_PID: %v", err)
	}
	dll, err := loadNVML()
	if err != nil {
		t.Fatalf("loading nvml.dll: %v", err)
	}
	return bind(dll), uint32(pid)
}

func readOnce(t *testing.T, lib *nvmlDLL) Status {
	t.Helper()
	m := openWith(lib)
	st := m.Read()
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if !st.Present || len(st.Devices) != 2 {
		t.Fatalf("Status = %s, want the fake's two devices", must(json.Marshal(st)))
	}
	return st
}

// wantProcesses checks the fake's compute list: pid with 2 GiB and PID 79
// whose memory NVML reports as not available (as WDDM does), so absent.
func wantProcesses(t *testing.T, got []Process, pid uint32) {
	t.Helper()
	if len(got) != 2 {
		t.Fatalf("processes = %s, want 2", must(json.Marshal(got)))
	}
	if got[0].PID != pid || got[0].Type != ProcessCompute || got[0].MemoryUsedBytes == nil || *got[0].MemoryUsedBytes != 2<<30 {
		t.Errorf("process 0 = %s, want PID %d, compute, 2 GiB", must(json.Marshal(got[0])), pid)
	}
	if got[1].PID != 79 || got[1].Type != ProcessCompute || got[1].MemoryUsedBytes != nil {
		t.Errorf("process 1 = %s, want PID 79, compute, memory absent", must(json.Marshal(got[1])))
	}
}

func TestFakeDLL(t *testing.T) {
	lib, pid := fakeLib(t)
	st := readOnce(t, lib)
	if st.DriverVersion != "550.54.15" || st.CUDAVersion != "12.4" || st.NVMLVersion != "12.550.54.15" {
		t.Errorf("versions = %q %q %q", st.DriverVersion, st.CUDAVersion, st.NVMLVersion)
	}
	d := st.Devices[0]
	if d.Name != "NVIDIA GeForce RTX 4090" || d.UUID != "GPU-f4e0c2a1-0b6d-4c38-9a57-3e1d2c4b5a69" || d.PCIBusID != "00000000:01:00.0" || d.Lost {
		t.Errorf("device 0 = %s", must(json.Marshal(d)))
	}
	if d.MemoryTotalBytes == nil || *d.MemoryTotalBytes != 24<<30 || d.MemoryUsedBytes == nil || d.MemoryFreeBytes == nil ||
		*d.MemoryUsedBytes+*d.MemoryFreeBytes != 24<<30 {
		t.Errorf("memory = %s", must(json.Marshal(d)))
	}
	for what, v := range map[string]*float64{
		"utilization": d.UtilizationGPUPercent, "temperature": d.TemperatureCelsius, "power": d.PowerWatts,
		"power limit": d.PowerLimitWatts, "energy": d.EnergyJoules, "fan": d.FanPercent,
	} {
		if v == nil {
			t.Errorf("%s absent", what)
		}
	}
	if d.PowerLimitWatts != nil && *d.PowerLimitWatts != 450 {
		t.Errorf("power limit %v W, want 450", *d.PowerLimitWatts)
	}
	if d.SMClockMHz == nil || *d.SMClockMHz != 2520 || d.MemoryClockMHz == nil || *d.MemoryClockMHz != 10501 {
		t.Errorf("clocks = %v %v, want 2520 10501", d.SMClockMHz, d.MemoryClockMHz)
	}
	if len(d.ThrottleReasons) != 1 || d.ThrottleReasons[0] != "sw_power_cap" {
		t.Errorf("throttle reasons = %v, want [sw_power_cap]", d.ThrottleReasons)
	}
	if d.PCIeLinkGen == nil || *d.PCIeLinkGen != 4 || d.PCIeLinkWidth == nil || *d.PCIeLinkWidth != 16 {
		t.Errorf("pcie = %v x%v, want gen 4 x16", d.PCIeLinkGen, d.PCIeLinkWidth)
	}
	wantProcesses(t, d.Processes, pid)

	lost := st.Devices[1]
	if !lost.Lost || lost.Error != "memory info: ERROR_GPU_IS_LOST" || lost.MemoryTotalBytes != nil {
		t.Errorf("device 1 = %s, want lost after the first query", must(json.Marshal(lost)))
	}
}

// TestMissingFunctions: a driver whose nvml.dll lacks a function leaves
// that field absent and reads the rest; the device is not lost.
func TestMissingFunctions(t *testing.T) {
	lib, pid := fakeLib(t)
	lib.fan, lib.pcieGen, lib.clockEvents, lib.energy = nil, nil, nil, nil
	lib.graphicsProcs = processList{}
	d := readOnce(t, lib).Devices[0]
	if d.Lost || d.Error != "" {
		t.Fatalf("device lost: %s", d.Error)
	}
	if d.FanPercent != nil || d.PCIeLinkGen != nil || d.ThrottleReasons != nil || d.EnergyJoules != nil {
		t.Errorf("fields of missing functions present: %s", must(json.Marshal(d)))
	}
	if d.PCIeLinkWidth == nil || d.MemoryTotalBytes == nil || d.TemperatureCelsius == nil {
		t.Errorf("fields of present functions absent: %s", must(json.Marshal(d)))
	}
	wantProcesses(t, d.Processes, pid)
}

// TestProcessesV1: drivers before R470 only have the unversioned process
// functions, whose entries are the shorter nvmlProcessInfo_v1_t.
func TestProcessesV1(t *testing.T) {
	lib, pid := fakeLib(t)
	dll, err := loadNVML()
	if err != nil {
		t.Fatal(err)
	}
	p := dll.NewProc("nvmlDeviceGetComputeRunningProcesses")
	if err := p.Find(); err != nil {
		t.Fatal(err)
	}
	lib.computeProcs = processList{proc: p, v1: true}
	wantProcesses(t, readOnce(t, lib).Devices[0].Processes, pid)
}

// TestNoInit: an nvml.dll without the session functions is reported, not called.
func TestNoInit(t *testing.T) {
	m := openWith(&nvmlDLL{})
	if st := m.Read(); st.Present || st.Reason != "nvml.dll does not export nvmlInit_v2 and nvmlShutdown" {
		t.Errorf("Read = %+v", st)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestOpenSystem: without any nvml.dll (a machine or Wine prefix with no
// NVIDIA driver) the Status is absent and names the file.
func TestOpenSystem(t *testing.T) {
	if _, err := loadNVML(); err == nil {
		t.Skip("nvml.dll is installed")
	}
	m := Open()
	if st := m.Read(); st.Present || st.Reason != reasonNoLibrary {
		t.Errorf("Read = %+v, want absent: %s", st, reasonNoLibrary)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func must(b []byte, err error) string {
	if err != nil {
		return err.Error()
	}
	return string(b)
}
