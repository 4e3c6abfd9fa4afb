//go:build windows

package gpu

import (
	"os"
	"path/filepath"
	"strconv"
	"unsafe"

	"golang.org/x/sys/windows"
)

// nvmlReturn is nvmlReturn_t as nvml.dll returns it.
type nvmlReturn int32

// Further nvmlReturn_t values the Windows back end looks at.
const (
	retInsufficientSize = 7
	// retFunctionNotFound is also what call answers for a function this
	// nvml.dll does not export, so that such a field is absent like one
	// NVML itself does not support.
	retFunctionNotFound = 13
)

// returnNames are NVML's return codes by name, as go-nvml spells them on
// Linux, so that errors read the same on both platforms.
var returnNames = [...]string{
	"SUCCESS", "ERROR_UNINITIALIZED", "ERROR_INVALID_ARGUMENT", "ERROR_NOT_SUPPORTED",
	"ERROR_NO_PERMISSION", "ERROR_ALREADY_INITIALIZED", "ERROR_NOT_FOUND", "ERROR_INSUFFICIENT_SIZE",
	"ERROR_INSUFFICIENT_POWER", "ERROR_DRIVER_NOT_LOADED", "ERROR_TIMEOUT", "ERROR_IRQ_ISSUE",
	"ERROR_LIBRARY_NOT_FOUND", "ERROR_FUNCTION_NOT_FOUND", "ERROR_CORRUPTED_INFOROM", "ERROR_GPU_IS_LOST",
	"ERROR_RESET_REQUIRED", "ERROR_OPERATING_SYSTEM", "ERROR_LIB_RM_VERSION_MISMATCH", "ERROR_IN_USE",
	"ERROR_MEMORY", "ERROR_NO_DATA", "ERROR_VGPU_ECC_NOT_SUPPORTED", "ERROR_INSUFFICIENT_RESOURCES",
	"ERROR_FREQ_NOT_SUPPORTED", "ERROR_ARGUMENT_VERSION_MISMATCH", "ERROR_DEPRECATED", "ERROR_NOT_READY",
	"ERROR_GPU_NOT_FOUND", "ERROR_INVALID_STATE", "ERROR_RESET_TYPE_NOT_SUPPORTED",
}

func (r nvmlReturn) Error() string {
	switch {
	case r == retUnknown:
		return "ERROR_UNKNOWN"
	case r >= 0 && int(r) < len(returnNames):
		return returnNames[r]
	}
	return "unknown return value: " + strconv.Itoa(int(r))
}

// nvmlDLL is the loaded nvml.dll: one entry per function sysmon calls, nil
// where this driver's library does not export it (older drivers lack the
// newer names; calling a missing one would panic).
type nvmlDLL struct {
	init, shutdown                                     *windows.LazyProc
	driverVersion, nvmlVersion, cudaVersion            *windows.LazyProc
	deviceCount, handleByIndex                         *windows.LazyProc
	name, uuid, pciInfo                                *windows.LazyProc
	memory, utilization, temperature                   *windows.LazyProc
	power, powerLimit, energy, fan, clock, clockEvents *windows.LazyProc
	pcieGen, pcieWidth                                 *windows.LazyProc
	computeProcs, graphicsProcs                        processList
}

// processList is one of the ...RunningProcesses functions and the entry
// layout it fills: nvmlProcessInfo_v1_t for the unversioned name,
// nvmlProcessInfo_v2_t for _v2 and _v3.
type processList struct {
	proc *windows.LazyProc
	v1   bool
}

// loadNVML loads nvml.dll from System32, where drivers since R418 (DCH)
// put it, and otherwise from %ProgramFiles%\NVIDIA Corporation\NVSMI, where
// older drivers do. Neither the current folder nor PATH is searched: a DLL
// planted there must not be loaded.
func loadNVML() (*windows.LazyDLL, error) {
	sys := windows.NewLazySystemDLL("nvml.dll")
	err := sys.Load()
	if err == nil {
		return sys, nil
	}
	if pf := os.Getenv("ProgramFiles"); pf != "" {
		nvsmi := windows.NewLazyDLL(filepath.Join(pf, "NVIDIA Corporation", "NVSMI", "nvml.dll"))
		if nvsmi.Load() == nil {
			return nvsmi, nil
		}
	}
	return nil, err
}

// bind looks up every function sysmon uses, preferring the newest version
// of each name.
func bind(dll *windows.LazyDLL) *nvmlDLL {
	find := func(names ...string) *windows.LazyProc {
		for _, n := range names {
			if p := dll.NewProc(n); p.Find() == nil {
				return p
			}
		}
		return nil
	}
	procs := func(base string) processList {
		if p := find(base+"_v3", base+"_v2"); p != nil {
			return processList{proc: p}
		}
		return processList{proc: find(base), v1: true}
	}
	return &nvmlDLL{
		init:          find("nvmlInit_v2", "nvmlInit"),
		shutdown:      find("nvmlShutdown"),
		driverVersion: find("nvmlSystemGetDriverVersion"),
		nvmlVersion:   find("nvmlSystemGetNVMLVersion"),
		cudaVersion:   find("nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"),
		deviceCount:   find("nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"),
		handleByIndex: find("nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"),
		name:          find("nvmlDeviceGetName"),
		uuid:          find("nvmlDeviceGetUUID"),
		pciInfo:       find("nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2"),
		memory:        find("nvmlDeviceGetMemoryInfo"),
		utilization:   find("nvmlDeviceGetUtilizationRates"),
		temperature:   find("nvmlDeviceGetTemperature"),
		power:         find("nvmlDeviceGetPowerUsage"),
		powerLimit:    find("nvmlDeviceGetEnforcedPowerLimit"),
		energy:        find("nvmlDeviceGetTotalEnergyConsumption"),
		fan:           find("nvmlDeviceGetFanSpeed"),
		clock:         find("nvmlDeviceGetClockInfo"),
		// The ...ClocksEventReasons name exists from driver 535, the older
		// ...ThrottleReasons one before that (and is deprecated after).
		clockEvents:   find("nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"),
		pcieGen:       find("nvmlDeviceGetCurrPcieLinkGeneration"),
		pcieWidth:     find("nvmlDeviceGetCurrPcieLinkWidth"),
		computeProcs:  procs("nvmlDeviceGetComputeRunningProcesses"),
		graphicsProcs: procs("nvmlDeviceGetGraphicsRunningProcesses"),
	}
}

// call calls an NVML function; one the library lacks answers
// retFunctionNotFound. NVML returns a 32-bit enum: the upper half of the
// register is not part of it.
//
//go:uintptrescapes
func call(p *windows.LazyProc, args ...uintptr) nvmlReturn {
	if p == nil {
		return retFunctionNotFound
	}
	r, _, _ := p.Call(args...)
	return nvmlReturn(int32(uint32(r)))
}

// stringSize fits every NVML string: NVML_DEVICE_NAME_V2_BUFFER_SIZE and
// NVML_DEVICE_UUID_V2_BUFFER_SIZE are 96, the version buffers 80.
const stringSize = 96

// systemString reads a string from f(char *buf, unsigned int length).
func systemString(p *windows.LazyProc) (string, nvmlReturn) {
	var buf [stringSize]byte
	ret := call(p, uintptr(unsafe.Pointer(&buf[0])), stringSize)
	return windows.ByteSliceToString(buf[:]), ret
}

// deviceString reads a string from f(nvmlDevice_t, char *buf, unsigned int length).
func deviceString(p *windows.LazyProc, h uintptr) (string, nvmlReturn) {
	var buf [stringSize]byte
	ret := call(p, h, uintptr(unsafe.Pointer(&buf[0])), stringSize)
	return windows.ByteSliceToString(buf[:]), ret
}

// deviceUint reads f(nvmlDevice_t, unsigned int *value).
func deviceUint(p *windows.LazyProc, h uintptr) (uint32, nvmlReturn) {
	var v uint32
	ret := call(p, h, uintptr(unsafe.Pointer(&v)))
	return v, ret
}

// deviceUintOf reads f(nvmlDevice_t, enum which, unsigned int *value), such
// as a temperature sensor or a clock domain.
func deviceUintOf(p *windows.LazyProc, h uintptr, which uintptr) (uint32, nvmlReturn) {
	var v uint32
	ret := call(p, h, which, uintptr(unsafe.Pointer(&v)))
	return v, ret
}

// processEntry is an nvmlProcessInfo_v1_t or nvmlProcessInfo_v2_t.
type processEntry interface {
	nvmlProcessInfoV1 | nvmlProcessInfoV2
	entry() (pid uint32, usedGpuMemory uint64)
}

func (p nvmlProcessInfoV1) entry() (uint32, uint64) { return p.Pid, p.UsedGpuMemory }
func (p nvmlProcessInfoV2) entry() (uint32, uint64) { return p.Pid, p.UsedGpuMemory }

// listProcesses reads one process list into buf, growing it as NVML asks:
// infoCount is the room on entry and the number of entries on return, or
// the number needed with ERROR_INSUFFICIENT_SIZE. Processes that start
// between two calls can make the list outgrow the new room, hence a margin
// and a few tries. It returns the entries and the buffer to reuse.
func listProcesses[T processEntry](p *windows.LazyProc, h uintptr, buf []T) (entries, reuse []T, ret nvmlReturn) {
	if len(buf) == 0 {
		buf = make([]T, 16)
	}
	for range 3 {
		n := uint32(len(buf))
		ret = call(p, h, uintptr(unsafe.Pointer(&n)), uintptr(unsafe.Pointer(&buf[0])))
		switch {
		case ret == retSuccess:
			return buf[:min(int(n), len(buf))], buf, ret
		case ret != retInsufficientSize:
			return nil, buf, ret
		}
		buf = make([]T, int(n)+int(n)/2+4)
	}
	return nil, buf, ret
}
