//go:build linux && cgo

package gpu

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
)

// benchMonitor is 8 GPUs with 50 distinct processes each, every one with a
// readable comm file, so that a cold name lookup does real file reads.
func benchMonitor(b *testing.B) *Monitor {
	root := b.TempDir()
	devs := make([]*mock.Device, 8)
	for i := range devs {
		infos := make([]nvml.ProcessInfo, 50)
		for j := range infos {
			pid := uint32(10000 + 100*i + j)
			infos[j] = nvml.ProcessInfo{Pid: pid, UsedGpuMemory: uint64(j+1) << 20}
			dir := filepath.Join(root, strconv.Itoa(int(pid)))
			if err := os.Mkdir(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "comm"), []byte("worker-"+strconv.Itoa(j)+"\n"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		d := newDevice(i)
		d.GetComputeRunningProcessesFunc = processes(infos[:40]...)
		d.GetGraphicsRunningProcessesFunc = processes(infos[30:]...)
		devs[i] = d
	}
	lib, _ := newLib(nvml.SUCCESS, devs...)
	m := OpenWith(lib)
	m.names.read = commReader(root)
	b.Cleanup(func() { _ = m.Close() })
	if st := m.Read(); len(st.Devices) != 8 || len(st.Devices[7].Processes) != 50 || st.Devices[7].Processes[0].Name != "worker-0" {
		b.Fatalf("unexpected first read: %d devices", len(st.Devices))
	}
	return m
}

// BenchmarkRead8GPUs50Procs is one steady-state tick: the same processes as
// the tick before, so names come from the cache.
func BenchmarkRead8GPUs50Procs(b *testing.B) {
	m := benchMonitor(b)
	b.ReportAllocs()
	for b.Loop() {
		m.Read()
	}
}

// BenchmarkRead8GPUs50ProcsColdNames is the worst tick: all 400 process
// names read from files, as on the first tick or after every PID changed.
func BenchmarkRead8GPUs50ProcsColdNames(b *testing.B) {
	m := benchMonitor(b)
	b.ReportAllocs()
	for b.Loop() {
		clear(m.names.names)
		m.Read()
	}
}
