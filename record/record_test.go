package record

import (
	"encoding/csv"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"sysmon/gpu"
	"sysmon/idle"
	"sysmon/llm"
	"sysmon/sampler"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	goleak.VerifyTestMain(m)
}

func f64(v float64) *float64 { return &v }
func u64(v uint64) *uint64   { return &v }

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 500e6, time.FixedZone("CET", 3600))

// full is a sample with every column known: 2 GPUs, 2 disks, 2 interfaces.
func full() *sampler.Sample {
	return &sampler.Sample{
		Time:            t0,
		IntervalSeconds: 1.002,
		CPU:             &sampler.CPU{LogicalCores: 16, TotalPercent: f64(37.5)},
		Memory:          &sampler.Memory{TotalBytes: 64 << 30, UsedBytes: 12345678901, SwapUsedBytes: 1 << 20},
		Disks: []sampler.Disk{
			{Name: "nvme0n1", ReadBytesPerSec: f64(1000), WriteBytesPerSec: f64(250.5)},
			{Name: "sda", ReadBytesPerSec: f64(24), WriteBytesPerSec: f64(0)},
		},
		Network: []sampler.Interface{
			{Name: "eth0", RxBytesPerSec: f64(2048), TxBytesPerSec: f64(512)},
			{Name: "lo", RxBytesPerSec: f64(100), TxBytesPerSec: f64(100)},
		},
		GPU: &gpu.Status{Present: true, DeviceCount: 2, Devices: []gpu.Device{
			{Index: 0, UtilizationGPUPercent: f64(98), MemoryUsedBytes: u64(20 << 30), PowerWatts: f64(312.25),
				TemperatureCelsius: f64(71)},
			// GPU 1 answers only partly.
			{Index: 1, UtilizationGPUPercent: f64(0), MemoryUsedBytes: u64(512 << 20)},
		}},
		Idle: &idle.Status{State: idle.StateAFK, Backend: "x11"},
		LLM:  &sampler.LLM{LastGeneration: &llm.Stats{GenerationTokensPerSecond: f64(41.75)}},
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(Columns)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func rowMap(rec []string) map[string]string {
	m := map[string]string{}
	for i, c := range Columns {
		m[c] = rec[i]
	}
	return m
}

func TestColumnsAndValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.csv")
	rec, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	first := &sampler.Sample{Time: t0.Add(-time.Second), Memory: &sampler.Memory{TotalBytes: 8 << 30, UsedBytes: 1}}
	for _, s := range []*sampler.Sample{first, full(), {}} {
		if err := rec.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Add(full()); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Add after Close: %v", err)
	}
	recs := readCSV(t, path)
	if len(recs) != 4 || !slices.Equal(recs[0], Columns) {
		t.Fatalf("file = %q", recs)
	}
	if len(Columns) != 10+4*MaxGPUs+2 {
		t.Errorf("%d columns", len(Columns))
	}

	got := rowMap(recs[2])
	want := map[string]string{
		"timestamp": "2026-03-14T14:09:26.500Z", "interval_seconds": "1.002", "cpu_percent": "37.5",
		"mem_used_bytes": "12345678901", "mem_total_bytes": "68719476736", "swap_used_bytes": "1048576",
		"disk_read_bytes_per_sec": "1024", "disk_write_bytes_per_sec": "250.5",
		"net_rx_bytes_per_sec": "2148", "net_tx_bytes_per_sec": "612",
		"gpu0_util_percent": "98", "gpu0_vram_used_bytes": "21474836480", "gpu0_power_watts": "312.25",
		"gpu0_temp_celsius": "71",
		"gpu1_util_percent": "0", "gpu1_vram_used_bytes": "536870912", "gpu1_power_watts": "", "gpu1_temp_celsius": "",
		"gpu2_util_percent": "", "gpu3_temp_celsius": "",
		"idle_state": "afk", "tokens_per_second": "41.75",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if ts, err := time.Parse(time.RFC3339, got["timestamp"]); err != nil || !ts.Equal(t0) {
		t.Errorf("timestamp %q parses to %v, %v", got["timestamp"], ts, err)
	}

	// The first sample of a sampler: no rates, no GPU, no CPU% -> empty, never 0.
	got = rowMap(recs[1])
	for _, c := range Columns {
		switch c {
		case "timestamp", "mem_used_bytes", "mem_total_bytes", "swap_used_bytes":
			if got[c] == "" {
				t.Errorf("first row %s empty", c)
			}
		default:
			if got[c] != "" {
				t.Errorf("first row %s = %q, want empty", c, got[c])
			}
		}
	}
	// An empty Sample: every cell empty.
	for i, v := range recs[3] {
		if v != "" {
			t.Errorf("empty sample %s = %q", Columns[i], v)
		}
	}
}

func TestAbsentValuesAreEmpty(t *testing.T) {
	s := full()
	s.Disks[1].ReadBytesPerSec = nil                // one disk without a rate: the other still counts
	s.Network = []sampler.Interface{{Name: "eth0"}} // no interface with a rate
	s.GPU = &gpu.Status{Present: false, Reason: "no NVIDIA driver"}
	s.Idle = nil
	s.LLM = &sampler.LLM{} // servers polled, no speed
	s.CPU.TotalPercent = nil
	got := rowMap(strings.Split(strings.TrimSuffix(string(appendRow(nil, s)), "\n"), ","))
	for c, v := range map[string]string{"disk_read_bytes_per_sec": "1000", "net_rx_bytes_per_sec": "",
		"net_tx_bytes_per_sec": "", "gpu0_util_percent": "", "gpu0_vram_used_bytes": "", "idle_state": "",
		"tokens_per_second": "", "cpu_percent": ""} {
		if got[c] != v {
			t.Errorf("%s = %q, want %q", c, got[c], v)
		}
	}
}

func TestEachRowFlushed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.csv")
	rec, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if recs := readCSV(t, path); len(recs) != 1 {
		t.Fatalf("before any sample: %d lines, want the header", len(recs))
	}
	for i := 1; i <= 3; i++ {
		if err := rec.Add(full()); err != nil {
			t.Fatal(err)
		}
		// Read through a separate handle while the recorder is open.
		if recs := readCSV(t, path); len(recs) != 1+i {
			t.Fatalf("after %d samples the file has %d lines", i, len(recs))
		}
	}
}

func TestRefusesToOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.csv")
	if err := os.WriteFile(path, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(path); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("New over an existing file: %v, want fs.ErrExist", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "precious\n" {
		t.Errorf("file changed to %q", data)
	}
	// Appending to a file with other columns is refused too.
	if _, err := New(path, Append()); err == nil || !strings.Contains(err.Error(), "columns differ") {
		t.Fatalf("append to a foreign file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "precious\n" {
		t.Errorf("file changed to %q", data)
	}
}

func TestAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.csv")
	rec, err := New(path, Append()) // new file: header written
	if err != nil {
		t.Fatal(err)
	}
	rec.Add(full())
	rec.Close()
	rec, err = New(path, Append())
	if err != nil {
		t.Fatal(err)
	}
	rec.Add(full())
	rec.Close()
	recs := readCSV(t, path)
	if len(recs) != 3 || recs[1][0] == "timestamp" || recs[2][0] == "timestamp" {
		t.Fatalf("after append: %q", recs)
	}

	// A torn last row (power cut mid-write) is trimmed before appending.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("2026-03-14T14:09:27.000Z,1,12")
	f.Close()
	rec, err = New(path, Append())
	if err != nil {
		t.Fatal(err)
	}
	rec.Add(full())
	rec.Close()
	if recs := readCSV(t, path); len(recs) != 4 {
		t.Fatalf("after a torn row and an append: %d records", len(recs))
	}
}

func TestConcurrentAddAndClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.csv")
	rec, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if err := rec.Add(full()); err != nil && !errors.Is(err, os.ErrClosed) {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		time.Sleep(time.Millisecond)
		rec.Close()
	})
	wg.Wait()
	readCSV(t, path) // every row whole
}

// TestHourAt10HzFlatHeap records an hour at 10 Hz (36,000 rows, as fast as
// it goes) and checks that the heap does not grow with the rows.
func TestHourAt10HzFlatHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("36,000 rows")
	}
	path := filepath.Join(t.TempDir(), "hour.csv")
	rec, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	s := full()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	const rows, every = 36000, 3600
	var marks []uint64
	start := time.Now()
	for i := range rows {
		s.Time = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		s.IntervalSeconds = 0.1
		if err := rec.Add(s); err != nil {
			t.Fatal(err)
		}
		if i%every == 0 {
			marks = append(marks, heap())
		}
	}
	marks = append(marks, heap())
	elapsed := time.Since(start)
	lo, hi := slices.Min(marks), slices.Max(marks)
	t.Logf("%d rows in %v (%.1f µs/row); heap at every 6 min of recording: %v (spread %d bytes)",
		rows, elapsed.Round(time.Millisecond), float64(elapsed.Microseconds())/rows, marks, hi-lo)
	if hi-lo > 256<<10 {
		t.Errorf("heap grew by %d bytes over the hour: %v", hi-lo, marks)
	}
	if allocs := testing.AllocsPerRun(100, func() { rec.Add(s) }); allocs > 0 {
		t.Errorf("Add allocates %v times per row", allocs)
	}
	rec.Close()
	fi, _ := os.Stat(path)
	recs := readCSV(t, path)
	if len(recs) != rows+1+101 { // + header + AllocsPerRun's warm-up and runs
		t.Errorf("%d records, want %d", len(recs), rows+1+101)
	}
	t.Logf("file: %d bytes, %.0f bytes/row", fi.Size(), float64(fi.Size())/float64(len(recs)))
}

func BenchmarkAdd(b *testing.B) {
	rec, err := New(filepath.Join(b.TempDir(), "bench.csv"))
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	s := full()
	b.ReportAllocs()
	for b.Loop() {
		if err := rec.Add(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendRow(b *testing.B) {
	s := full()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRow(buf[:0], s)
	}
}

// TestMissingFolderIsAnError: a typo in the folder is reported, not created.
func TestMissingFolderIsAnError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such")
	if _, err := New(filepath.Join(dir, "rec.csv")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("New in a missing folder: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the missing folder was created: %v", err)
	}
}
