//go:build (linux && cgo) || windows

package gpu

import (
	"fmt"
	"strconv"
)

// This file is the NVML logic both real back ends share: Linux reads NVML
// through go-nvml (cgo, dlopen), Windows calls nvml.dll directly because
// go-nvml does not build there. Whatever does not depend on how a function
// is called lives here once.

// Status.Reason values, worded for a user who has to act on them. The
// missing-library reason names the platform's file, so each back end
// defines reasonNoLibrary itself.
const (
	reasonNotLoaded    = "NVIDIA driver not loaded"
	reasonNoPermission = "no permission to access the NVIDIA driver"
	reasonNoDevices    = "no NVIDIA devices found"
	reasonClosed       = "GPU monitor closed"
)

// memNotAvailable is NVML_VALUE_NOT_AVAILABLE as NVML stores it in the
// unsigned usedGpuMemory field of a process entry. Under WDDM (the Windows
// display driver model) NVML always reports it, because Windows and not the
// NVIDIA driver manages the memory.
const memNotAvailable = ^uint64(0)

// nvmlReturn values (nvmlReturn_t in nvml.h) the shared logic tells apart.
const (
	retSuccess         = 0
	retNoPermission    = 4
	retDriverNotLoaded = 9
	retLibraryNotFound = 12
	retGPUIsLost       = 15
	retUnknown         = 999
)

// nvmlCode is a back end's nvmlReturn_t: go-nvml's nvml.Return on Linux,
// the Windows back end's own type there.
type nvmlCode interface {
	~int32
	Error() string
}

// describe turns a failed Init or device count into a reason.
func describe[R nvmlCode](ret R) string {
	switch int32(ret) {
	case retLibraryNotFound:
		return reasonNoLibrary
	case retDriverNotLoaded:
		return reasonNotLoaded
	case retNoPermission:
		return reasonNoPermission
	}
	return ret.Error()
}

// cudaVersion formats NVML's 1000*major + 10*minor, e.g. 12040 -> "12.4".
func cudaVersion(v int) string {
	return strconv.Itoa(v/1000) + "." + strconv.Itoa(v%1000/10)
}

// isLost reports answers after which the device cannot be read at all.
func isLost[R nvmlCode](ret R) bool {
	return int32(ret) == retGPUIsLost || int32(ret) == retUnknown
}

// readState is what one device's reads during one tick have shown so far.
type readState[R nvmlCode] struct {
	// answered is set once any query succeeds.
	answered bool
	// gone is set by ERROR_GPU_IS_LOST; unknown by the first ERROR_UNKNOWN.
	gone, unknown string
}

// ok records NVML's answer to one query and reports whether its value is
// real. Any other failure (not supported, no permission, a function the
// library lacks) only leaves that one field absent.
func (s *readState[R]) ok(what string, ret R) bool {
	switch int32(ret) {
	case retSuccess:
		s.answered = true
		return true
	case retGPUIsLost:
		s.gone = what + ": " + ret.Error()
	case retUnknown:
		if s.unknown == "" {
			s.unknown = what + ": " + ret.Error()
		}
	}
	return false
}

// lostReason says why the device counts as lost after this tick's reads,
// or "" when it does not. ERROR_UNKNOWN on one query may be a driver quirk
// for that field; on every query it means the device is gone, like
// ERROR_GPU_IS_LOST.
func (s *readState[R]) lostReason() string {
	if s.gone == "" && !s.answered {
		return s.unknown
	}
	return s.gone
}

// NVML clocks-event reason bits (nvmlClocksEventReason* in nvml.h; the
// pre-535 ...ThrottleReason* names have the same values).
const (
	clocksGPUIdle       = 0x1
	clocksAppSetting    = 0x2
	clocksSwPowerCap    = 0x4
	clocksHwSlowdown    = 0x8
	clocksSyncBoost     = 0x10
	clocksSwThermal     = 0x20
	clocksHwThermal     = 0x40
	clocksHwPowerBrake  = 0x80
	clocksDisplayClocks = 0x100
	clocksBoardLimit    = 0x200
	clocksReliability   = 0x400
)

// clockReasonBits maps NVML clocks-event bits to the names in ThrottleReasons.
var clockReasonBits = [...]struct {
	bit  uint64
	name string
}{
	{clocksGPUIdle, "gpu_idle"},
	{clocksAppSetting, "applications_clocks"},
	{clocksSwPowerCap, "sw_power_cap"},
	{clocksHwSlowdown, "hw_slowdown"},
	{clocksSyncBoost, "sync_boost"},
	{clocksSwThermal, "sw_thermal"},
	{clocksHwThermal, "hw_thermal"},
	{clocksHwPowerBrake, "hw_power_brake"},
	{clocksDisplayClocks, "display_clocks"},
	{clocksBoardLimit, "board_limit"},
	{clocksReliability, "reliability"},
}

// clockReasonNames lists the set bits by name; bits newer drivers add are
// kept as one hex value rather than dropped. The result is never nil: no
// bits set is a known "nothing holds the clocks back".
func clockReasonNames(bits uint64) []string {
	names := []string{}
	for _, r := range clockReasonBits {
		if bits&r.bit != 0 {
			names = append(names, r.name)
			bits &^= r.bit
		}
	}
	if bits != 0 {
		names = append(names, fmt.Sprintf("other_%#x", bits))
	}
	return names
}

// mergeProcess adds one NVML process entry to procs, one entry per PID;
// byPID maps the PIDs already in procs to their index. A process with both
// contexts appears in the compute and the graphics list with its whole
// usage on the device each time, so the larger known value is kept, not
// the sum. usedGpuMemory == memNotAvailable leaves the memory absent.
func mergeProcess(procs []Process, byPID map[uint32]int, names *nameCache, pid uint32, usedGpuMemory uint64, kind string) []Process {
	var mem *uint64
	if usedGpuMemory != memNotAvailable {
		mem = ptr(usedGpuMemory)
	}
	i, seen := byPID[pid]
	if !seen {
		byPID[pid] = len(procs)
		return append(procs, Process{
			PID:             pid,
			Name:            names.lookup(pid),
			Type:            kind,
			MemoryUsedBytes: mem,
		})
	}
	p := &procs[i]
	if p.Type != kind {
		p.Type = ProcessComputeGraphics
	}
	if mem != nil && (p.MemoryUsedBytes == nil || *mem > *p.MemoryUsedBytes) {
		p.MemoryUsedBytes = mem
	}
	return procs
}

// nameCache remembers process names so that a tick asks the system only
// for PIDs it has not seen before. An entry lives while some device lists
// its PID on consecutive ticks and is dropped on the first tick without it,
// so a PID the system hands to a new process is read again unless the old
// process left and the new one started using a GPU within one interval.
type nameCache struct {
	// read gives a PID's name, "" when it cannot be read; per platform.
	read  func(pid uint32) string
	tick  uint64
	names map[uint32]cachedName
}

type cachedName struct {
	name string // "" when the name could not be read: the answer is cached too
	tick uint64 // last tick the PID was listed
}

func newNameCache(read func(pid uint32) string) nameCache {
	return nameCache{read: read, names: map[uint32]cachedName{}}
}

// lookup returns the name of pid and marks it as listed in this tick.
func (c *nameCache) lookup(pid uint32) string {
	e, ok := c.names[pid]
	if !ok {
		e.name = c.read(pid)
	}
	e.tick = c.tick
	c.names[pid] = e
	return e.name
}

// endTick forgets the PIDs that no device listed since the last endTick.
func (c *nameCache) endTick() {
	for pid, e := range c.names {
		if e.tick != c.tick {
			delete(c.names, pid)
		}
	}
	c.tick++
}

func ptr[T any](v T) *T { return &v }

// The C structs of nvml.h that the Windows back end passes to nvml.dll,
// with their exact layouts (field order, sizes and the padding Go's amd64
// alignment inserts like C's). They live here, not in the Windows file, so
// that the Linux tests can check them against go-nvml's cgo-generated types.

// nvmlMemory is nvmlMemory_t (v1): bytes.
type nvmlMemory struct {
	Total, Free, Used uint64
}

// nvmlUtilization is nvmlUtilization_t: percent over the last sample period.
type nvmlUtilization struct {
	GPU, Memory uint32
}

// nvmlPciInfo is nvmlPciInfo_t as nvmlDeviceGetPciInfo_v3 fills it.
type nvmlPciInfo struct {
	BusIDLegacy    [16]byte
	Domain         uint32
	Bus            uint32
	Device         uint32
	PciDeviceID    uint32
	PciSubSystemID uint32
	BusID          [32]byte
}

// nvmlProcessInfoV1 is nvmlProcessInfo_v1_t, the entry of the unversioned
// ...RunningProcesses functions that drivers before R470 export.
type nvmlProcessInfoV1 struct {
	Pid           uint32
	UsedGpuMemory uint64
}

// nvmlProcessInfoV2 is nvmlProcessInfo_v2_t (and nvmlProcessInfo_t), the
// entry of the ..._v2 and ..._v3 RunningProcesses functions.
type nvmlProcessInfoV2 struct {
	Pid               uint32
	UsedGpuMemory     uint64
	GpuInstanceID     uint32
	ComputeInstanceID uint32
}
