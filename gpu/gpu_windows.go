//go:build windows

package gpu

import (
	"fmt"
	"log/slog"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// reasonNoLibrary is the Status.Reason when nvml.dll is not there.
const reasonNoLibrary = "no NVIDIA driver/library installed (nvml.dll not found)"

// NVML enum values passed to nvml.dll (nvml.h).
const (
	temperatureGPU = 0 // NVML_TEMPERATURE_GPU
	clockSM        = 1 // NVML_CLOCK_SM
	clockMem       = 2 // NVML_CLOCK_MEM
)

// Monitor owns one NVML session over nvml.dll. It is safe for concurrent
// use; Read calls are serialised because NVML handles, the name cache and
// the process buffers are shared.
type Monitor struct {
	mu  sync.Mutex
	lib *nvmlDLL // nil when nvml.dll could not be loaded
	// initialized is true only after Init succeeded: Shutdown after a
	// failed Init is not allowed.
	initialized bool
	closed      bool
	// info is the detection result, copied into every Read.
	info  Status
	devs  []device
	names nameCache
	// byPID is scratch space for deduplicating one device's process lists,
	// procsV1 and procsV2 the process-list buffers, kept across ticks to
	// spare allocations.
	byPID   map[uint32]int
	procsV1 []nvmlProcessInfoV1
	procsV2 []nvmlProcessInfoV2
}

// device is what Open learns about a device once: the handle and the
// fields that do not change while the driver stays loaded.
type device struct {
	h  uintptr // nvmlDevice_t; 0 when NVML gave no handle, id.Error says why
	id Device
}

// Open loads nvml.dll and detects GPUs. It never returns nil; when NVML
// cannot be used the Monitor reports an absent Status.
func Open() *Monitor {
	dll, err := loadNVML()
	if err != nil {
		slog.Debug("nvml.dll not loaded", "err", err)
		return &Monitor{info: Status{Reason: reasonNoLibrary}}
	}
	return openWith(bind(dll))
}

// openWith detects GPUs through lib; tests pass one with functions removed.
func openWith(lib *nvmlDLL) *Monitor {
	m := &Monitor{names: newNameCache(imageName), byPID: map[uint32]int{}}
	if lib.init == nil || lib.shutdown == nil {
		m.info.Reason = "nvml.dll does not export nvmlInit_v2 and nvmlShutdown"
		return m
	}
	m.lib = lib
	if ret := call(lib.init); ret != retSuccess {
		m.info.Reason = describe(ret)
		return m
	}
	m.initialized = true

	if v, ret := systemString(lib.driverVersion); ret == retSuccess {
		m.info.DriverVersion = v
	}
	if v, ret := systemString(lib.nvmlVersion); ret == retSuccess {
		m.info.NVMLVersion = v
	}
	var cuda int32
	if ret := call(lib.cudaVersion, uintptr(unsafe.Pointer(&cuda))); ret == retSuccess && cuda > 0 {
		m.info.CUDAVersion = cudaVersion(int(cuda))
	}

	var n uint32
	ret := call(lib.deviceCount, uintptr(unsafe.Pointer(&n)))
	switch {
	case ret != retSuccess:
		m.info.Reason = describe(ret)
		return m
	case n == 0:
		m.info.Reason = reasonNoDevices
		return m
	}
	m.info.Present = true
	m.info.DeviceCount = int(n)
	m.devs = make([]device, n)
	for i := range m.devs {
		m.devs[i] = openDevice(lib, i)
	}
	return m
}

func openDevice(lib *nvmlDLL, index int) device {
	d := device{id: Device{Index: index}}
	var h uintptr
	if ret := call(lib.handleByIndex, uintptr(index), uintptr(unsafe.Pointer(&h))); ret != retSuccess {
		d.id.Lost = isLost(ret)
		d.id.Error = "get handle: " + ret.Error()
		return d
	}
	d.h = h
	if v, ret := deviceString(lib.name, h); ret == retSuccess {
		d.id.Name = v
	}
	if v, ret := deviceString(lib.uuid, h); ret == retSuccess {
		d.id.UUID = v
	}
	var pci nvmlPciInfo
	if ret := call(lib.pciInfo, h, uintptr(unsafe.Pointer(&pci))); ret == retSuccess {
		d.id.PCIBusID = windows.ByteSliceToString(pci.BusID[:])
		if d.id.PCIBusID == "" {
			d.id.PCIBusID = windows.ByteSliceToString(pci.BusIDLegacy[:])
		}
	}
	return d
}

// Read queries every device once. A device that fails does not stop the
// others; fields NVML cannot give are left nil.
func (m *Monitor) Read() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Status{Reason: reasonClosed}
	}
	st := m.info
	if !st.Present {
		return st
	}
	st.Devices = make([]Device, len(m.devs))
	for i := range m.devs {
		st.Devices[i] = m.readDevice(&m.devs[i])
	}
	m.names.endTick()
	return st
}

// Close shuts NVML down once, if Init succeeded. Read afterwards reports an
// absent Status instead of calling into a shut-down library. nvml.dll stays
// mapped: x/sys/windows never unloads a LazyDLL, and a later Open reuses it.
func (m *Monitor) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.devs = nil
	if !m.initialized {
		return nil
	}
	if ret := call(m.lib.shutdown); ret != retSuccess {
		return fmt.Errorf("nvml shutdown: %w", ret)
	}
	return nil
}

// query is the state of reading one device during one tick.
type query struct {
	readState[nvmlReturn]
	m *Monitor
	h uintptr
	d *Device
}

// liveQueries are the per-tick reads, one NVML call each (processes: two),
// so that reading stops at the first ERROR_GPU_IS_LOST: a device that fell
// off the bus can take long to fail each call.
var liveQueries = [...]func(*query){
	readMemory,
	readUtilization,
	readTemperature,
	readPower,
	readPowerLimit,
	readEnergy,
	readFan,
	readSMClock,
	readMemoryClock,
	readClockReasons,
	readPCIeGen,
	readPCIeWidth,
	readProcesses,
}

func (m *Monitor) readDevice(dev *device) Device {
	d := dev.id
	if dev.h == 0 {
		return d
	}
	q := query{m: m, h: dev.h, d: &d}
	for _, read := range liveQueries {
		read(&q)
		if q.gone != "" {
			break
		}
	}
	lostBecause := q.lostReason()
	if lostBecause == "" {
		return d
	}
	// Drop values read before the failure: a lost device shows only who it is.
	lost := dev.id
	lost.Lost = true
	lost.Error = lostBecause
	return lost
}

func readMemory(q *query) {
	var mem nvmlMemory
	if q.ok("memory info", call(q.m.lib.memory, q.h, uintptr(unsafe.Pointer(&mem)))) {
		q.d.MemoryTotalBytes = ptr(mem.Total)
		q.d.MemoryUsedBytes = ptr(mem.Used)
		q.d.MemoryFreeBytes = ptr(mem.Free)
	}
}

func readUtilization(q *query) {
	var u nvmlUtilization
	if q.ok("utilization", call(q.m.lib.utilization, q.h, uintptr(unsafe.Pointer(&u)))) {
		q.d.UtilizationGPUPercent = ptr(float64(u.GPU))
		q.d.UtilizationMemoryPercent = ptr(float64(u.Memory))
	}
}

func readTemperature(q *query) {
	c, ret := deviceUintOf(q.m.lib.temperature, q.h, temperatureGPU)
	if q.ok("temperature", ret) {
		q.d.TemperatureCelsius = ptr(float64(c))
	}
}

func readPower(q *query) {
	mw, ret := deviceUint(q.m.lib.power, q.h)
	if q.ok("power usage", ret) {
		q.d.PowerWatts = ptr(float64(mw) / 1000)
	}
}

func readPowerLimit(q *query) {
	mw, ret := deviceUint(q.m.lib.powerLimit, q.h)
	if q.ok("power limit", ret) {
		q.d.PowerLimitWatts = ptr(float64(mw) / 1000)
	}
}

func readEnergy(q *query) {
	var mj uint64
	if q.ok("energy", call(q.m.lib.energy, q.h, uintptr(unsafe.Pointer(&mj)))) {
		q.d.EnergyJoules = ptr(float64(mj) / 1000)
	}
}

func readFan(q *query) {
	pct, ret := deviceUint(q.m.lib.fan, q.h)
	if q.ok("fan speed", ret) {
		q.d.FanPercent = ptr(float64(pct))
	}
}

func readSMClock(q *query) {
	mhz, ret := deviceUintOf(q.m.lib.clock, q.h, clockSM)
	if q.ok("sm clock", ret) {
		q.d.SMClockMHz = ptr(mhz)
	}
}

func readMemoryClock(q *query) {
	mhz, ret := deviceUintOf(q.m.lib.clock, q.h, clockMem)
	if q.ok("memory clock", ret) {
		q.d.MemoryClockMHz = ptr(mhz)
	}
}

func readClockReasons(q *query) {
	if q.m.lib.clockEvents == nil {
		return
	}
	var bits uint64
	if q.ok("clock event reasons", call(q.m.lib.clockEvents, q.h, uintptr(unsafe.Pointer(&bits)))) {
		q.d.ThrottleReasons = clockReasonNames(bits)
	}
}

func readPCIeGen(q *query) {
	gen, ret := deviceUint(q.m.lib.pcieGen, q.h)
	if q.ok("pcie link generation", ret) {
		q.d.PCIeLinkGen = ptr(int(gen))
	}
}

func readPCIeWidth(q *query) {
	width, ret := deviceUint(q.m.lib.pcieWidth, q.h)
	if q.ok("pcie link width", ret) {
		q.d.PCIeLinkWidth = ptr(int(width))
	}
}

func readProcesses(q *query) {
	clear(q.m.byPID)
	var procs []Process
	computeOK := q.addProcesses(&procs, q.m.lib.computeProcs, "compute processes", ProcessCompute)
	if q.gone != "" {
		return
	}
	graphicsOK := q.addProcesses(&procs, q.m.lib.graphicsProcs, "graphics processes", ProcessGraphics)
	if !computeOK && !graphicsOK {
		return
	}
	if procs == nil {
		procs = []Process{}
	}
	q.d.Processes = procs
}

// addProcesses reads one process list into procs (see mergeProcess) and
// reports whether NVML gave it.
func (q *query) addProcesses(procs *[]Process, l processList, what, kind string) bool {
	m := q.m
	var ret nvmlReturn
	if l.v1 {
		var entries []nvmlProcessInfoV1
		entries, m.procsV1, ret = listProcesses(l.proc, q.h, m.procsV1)
		*procs = mergeEntries(*procs, m, entries, kind)
	} else {
		var entries []nvmlProcessInfoV2
		entries, m.procsV2, ret = listProcesses(l.proc, q.h, m.procsV2)
		*procs = mergeEntries(*procs, m, entries, kind)
	}
	return q.ok(what, ret)
}

func mergeEntries[T processEntry](procs []Process, m *Monitor, entries []T, kind string) []Process {
	for _, e := range entries {
		pid, mem := e.entry()
		procs = mergeProcess(procs, m.byPID, &m.names, pid, mem, kind)
	}
	return procs
}
