package sampler

import "strconv"

// Series keys used in the History. Per-item keys embed the item's name.
const (
	KeyCPU    = "cpu"
	KeyMemory = "memory"
	KeySwap   = "swap"
)

// KeyCore is the series of one logical core's busy percent.
func KeyCore(i int) string { return "cpu/" + strconv.Itoa(i) }

// KeyDiskRead and KeyDiskWrite are a disk's throughput in bytes/s.
func KeyDiskRead(name string) string  { return "disk/" + name + "/read" }
func KeyDiskWrite(name string) string { return "disk/" + name + "/write" }

// KeyNetRx and KeyNetTx are an interface's throughput in bytes/s.
func KeyNetRx(name string) string { return "net/" + name + "/rx" }
func KeyNetTx(name string) string { return "net/" + name + "/tx" }

// KeyGPU is a GPU's series: "util" (percent), "vram" (bytes used),
// "temp" (Celsius) or "power" (watts).
func KeyGPU(index int, what string) string { return "gpu/" + strconv.Itoa(index) + "/" + what }

// KeyTokens is generated tokens per second, from llama-server's counters
// or, failing that, from the generations parsed off the console.
const KeyTokens = "llm/tokens"

// points emits every charted value of the Sample; absent values are skipped.
func (s *Sample) points(emit func(key string, v float64)) {
	if c := s.CPU; c != nil {
		emitPtr(emit, KeyCPU, c.TotalPercent)
		for i, p := range c.PerCorePercent {
			emitPtr(emit, KeyCore(i), p)
		}
	}
	if m := s.Memory; m != nil {
		emit(KeyMemory, m.UsedPercent)
		emitPtr(emit, KeySwap, m.SwapUsedPercent)
	}
	for _, d := range s.Disks {
		emitPtr(emit, KeyDiskRead(d.Name), d.ReadBytesPerSec)
		emitPtr(emit, KeyDiskWrite(d.Name), d.WriteBytesPerSec)
	}
	for _, n := range s.Network {
		emitPtr(emit, KeyNetRx(n.Name), n.RxBytesPerSec)
		emitPtr(emit, KeyNetTx(n.Name), n.TxBytesPerSec)
	}
	if s.LLM != nil {
		emitPtr(emit, KeyTokens, s.LLM.TokensPerSecond())
	}
	if s.GPU != nil {
		for _, d := range s.GPU.Devices {
			emitPtr(emit, KeyGPU(d.Index, "util"), d.UtilizationGPUPercent)
			if d.MemoryUsedBytes != nil {
				emit(KeyGPU(d.Index, "vram"), float64(*d.MemoryUsedBytes))
			}
			emitPtr(emit, KeyGPU(d.Index, "temp"), d.TemperatureCelsius)
			emitPtr(emit, KeyGPU(d.Index, "power"), d.PowerWatts)
		}
	}
}

func emitPtr(emit func(string, float64), key string, v *float64) {
	if v != nil {
		emit(key, *v)
	}
}
