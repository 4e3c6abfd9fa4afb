//go:build linux && cgo

package gpu

import (
	"fmt"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// reasonNoLibrary is the Status.Reason when the NVML library is not there.
const reasonNoLibrary = "no NVIDIA driver/library installed (libnvidia-ml.so.1 not found)"

// Monitor owns one NVML session. It is safe for concurrent use; Read calls
// are serialised because NVML handles and the name cache are shared.
type Monitor struct {
	mu  sync.Mutex
	lib nvml.Interface
	// initialized is true only after Init succeeded: Shutdown after a
	// failed Init is not allowed, and go-nvml would unload a library it never loaded.
	initialized bool
	closed      bool
	// info is the detection result, copied into every Read.
	info Status
	devs []device
	// clockReasons is the clocks-event query this driver exports, or nil;
	// calling a symbol the library lacks would abort the process.
	clockReasons func(nvml.Device) (uint64, nvml.Return)
	names        nameCache
	// byPID is scratch space for deduplicating one device's process lists,
	// kept to spare an allocation per device per tick.
	byPID map[uint32]int
}

// device is what Open learns about a device once: the handle and the
// fields that do not change while the driver stays loaded.
type device struct {
	h  nvml.Device // nil when NVML gave no handle; id.Error says why
	id Device
}

// Open loads the system NVML library and detects GPUs. It never returns
// nil; when NVML cannot be used the Monitor reports an absent Status.
func Open() *Monitor { return OpenWith(nvml.New()) }

// OpenWith is Open over any nvml.Interface, such as go-nvml's mock.
// It calls lib.Init once; Close calls lib.Shutdown only if that succeeded.
func OpenWith(lib nvml.Interface) *Monitor {
	m := &Monitor{lib: lib, names: newNameCache(commReader("/proc")), byPID: map[uint32]int{}}
	if ret := lib.Init(); ret != nvml.SUCCESS {
		m.info.Reason = describe(ret)
		return m
	}
	m.initialized = true

	if v, ret := lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		m.info.DriverVersion = v
	}
	if v, ret := lib.SystemGetNVMLVersion(); ret == nvml.SUCCESS {
		m.info.NVMLVersion = v
	}
	if v, ret := lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS && v > 0 {
		m.info.CUDAVersion = cudaVersion(v)
	}

	n, ret := lib.DeviceGetCount()
	switch {
	case ret != nvml.SUCCESS:
		m.info.Reason = describe(ret)
		return m
	case n <= 0:
		m.info.Reason = reasonNoDevices
		return m
	}
	m.info.Present = true
	m.info.DeviceCount = n
	m.clockReasons = clockReasonsQuery(lib)
	m.devs = make([]device, n)
	for i := range m.devs {
		m.devs[i] = openDevice(lib, i)
	}
	return m
}

// clockReasonsQuery picks the clocks-event query the loaded library exports:
// nvmlDeviceGetCurrentClocksEventReasons exists from driver 535, the older
// ...ThrottleReasons name before that (and is deprecated after).
func clockReasonsQuery(lib nvml.Interface) func(nvml.Device) (uint64, nvml.Return) {
	ext := lib.Extensions()
	switch {
	case ext == nil:
		return nil
	case ext.LookupSymbol("nvmlDeviceGetCurrentClocksEventReasons") == nil:
		return nvml.Device.GetCurrentClocksEventReasons
	case ext.LookupSymbol("nvmlDeviceGetCurrentClocksThrottleReasons") == nil:
		return nvml.Device.GetCurrentClocksThrottleReasons
	}
	return nil
}

func openDevice(lib nvml.Interface, index int) device {
	d := device{id: Device{Index: index}}
	h, ret := lib.DeviceGetHandleByIndex(index)
	if ret != nvml.SUCCESS {
		d.id.Lost = isLost(ret)
		d.id.Error = "get handle: " + ret.Error()
		return d
	}
	d.h = h
	if v, ret := h.GetName(); ret == nvml.SUCCESS {
		d.id.Name = v
	}
	if v, ret := h.GetUUID(); ret == nvml.SUCCESS {
		d.id.UUID = v
	}
	if pci, ret := h.GetPciInfo(); ret == nvml.SUCCESS {
		d.id.PCIBusID = cString(pci.BusId[:])
		if d.id.PCIBusID == "" {
			d.id.PCIBusID = cString(pci.BusIdLegacy[:])
		}
	}
	return d
}

// cString converts a NUL-terminated C char array.
func cString(b []int8) string {
	s := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
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
// absent Status instead of calling into an unloaded library.
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
	if ret := m.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("nvml shutdown: %w", ret)
	}
	return nil
}

// query is the state of reading one device during one tick.
type query struct {
	readState[nvml.Return]
	m *Monitor
	h nvml.Device
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
	if dev.h == nil {
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
	mem, ret := q.h.GetMemoryInfo()
	if q.ok("memory info", ret) {
		q.d.MemoryTotalBytes = ptr(mem.Total)
		q.d.MemoryUsedBytes = ptr(mem.Used)
		q.d.MemoryFreeBytes = ptr(mem.Free)
	}
}

func readUtilization(q *query) {
	u, ret := q.h.GetUtilizationRates()
	if q.ok("utilization", ret) {
		q.d.UtilizationGPUPercent = ptr(float64(u.Gpu))
		q.d.UtilizationMemoryPercent = ptr(float64(u.Memory))
	}
}

func readTemperature(q *query) {
	c, ret := q.h.GetTemperature(nvml.TEMPERATURE_GPU)
	if q.ok("temperature", ret) {
		q.d.TemperatureCelsius = ptr(float64(c))
	}
}

func readPower(q *query) {
	mw, ret := q.h.GetPowerUsage()
	if q.ok("power usage", ret) {
		q.d.PowerWatts = ptr(float64(mw) / 1000)
	}
}

func readPowerLimit(q *query) {
	mw, ret := q.h.GetEnforcedPowerLimit()
	if q.ok("power limit", ret) {
		q.d.PowerLimitWatts = ptr(float64(mw) / 1000)
	}
}

func readEnergy(q *query) {
	mj, ret := q.h.GetTotalEnergyConsumption()
	if q.ok("energy", ret) {
		q.d.EnergyJoules = ptr(float64(mj) / 1000)
	}
}

func readFan(q *query) {
	pct, ret := q.h.GetFanSpeed()
	if q.ok("fan speed", ret) {
		q.d.FanPercent = ptr(float64(pct))
	}
}

func readSMClock(q *query) {
	mhz, ret := q.h.GetClockInfo(nvml.CLOCK_SM)
	if q.ok("sm clock", ret) {
		q.d.SMClockMHz = ptr(mhz)
	}
}

func readMemoryClock(q *query) {
	mhz, ret := q.h.GetClockInfo(nvml.CLOCK_MEM)
	if q.ok("memory clock", ret) {
		q.d.MemoryClockMHz = ptr(mhz)
	}
}

func readClockReasons(q *query) {
	if q.m.clockReasons == nil {
		return
	}
	bits, ret := q.m.clockReasons(q.h)
	if q.ok("clock event reasons", ret) {
		q.d.ThrottleReasons = clockReasonNames(bits)
	}
}

func readPCIeGen(q *query) {
	gen, ret := q.h.GetCurrPcieLinkGeneration()
	if q.ok("pcie link generation", ret) {
		q.d.PCIeLinkGen = ptr(gen)
	}
}

func readPCIeWidth(q *query) {
	width, ret := q.h.GetCurrPcieLinkWidth()
	if q.ok("pcie link width", ret) {
		q.d.PCIeLinkWidth = ptr(width)
	}
}

func readProcesses(q *query) {
	compute, ret := q.h.GetComputeRunningProcesses()
	computeOK := q.ok("compute processes", ret)
	if q.gone != "" {
		return
	}
	graphics, ret := q.h.GetGraphicsRunningProcesses()
	graphicsOK := q.ok("graphics processes", ret)
	if !computeOK && !graphicsOK {
		return
	}
	procs := make([]Process, 0, len(compute)+len(graphics))
	clear(q.m.byPID)
	procs = q.m.addProcesses(procs, compute, ProcessCompute)
	procs = q.m.addProcesses(procs, graphics, ProcessGraphics)
	q.d.Processes = procs
}

// addProcesses merges one NVML process list into procs (see mergeProcess).
func (m *Monitor) addProcesses(procs []Process, infos []nvml.ProcessInfo, kind string) []Process {
	for _, pi := range infos {
		procs = mergeProcess(procs, m.byPID, &m.names, pi.Pid, pi.UsedGpuMemory, kind)
	}
	return procs
}
