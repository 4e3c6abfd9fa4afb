package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	// floodTestDuration is how long the flood test's child prints;
	// floodBenchDuration the same for BenchmarkFlood.
	floodTestDuration  = 3 * time.Second
	floodBenchDuration = 10 * time.Second
	// floodLongEvery is how many ordinary lines the flooding child prints
	// between two 1 MiB lines without a newline.
	floodLongEvery = 20000
	floodLastLines = 3
)

// runHelper is the test binary's behaviour as a child process.
func runHelper(mode string) int {
	switch mode {
	case "flood":
		d, err := time.ParseDuration(os.Getenv("CONSOLE_FLOOD_DURATION"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		flood(os.Stdout, d)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

// flood prints numbered lines as fast as it can for d, with a 1 MiB run
// without a newline every floodLongEvery lines, then floodLastLines known
// lines.
func flood(out io.Writer, d time.Duration) {
	w := bufio.NewWriterSize(out, 64<<10)
	long := make([]byte, 1<<20)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	line := make([]byte, 0, 128)
	deadline := time.Now().Add(d)
	for i := 0; ; i++ {
		if i%1000 == 0 && time.Now().After(deadline) {
			break
		}
		if i%floodLongEvery == floodLongEvery-1 {
			w.Write(long)
		}
		line = append(line[:0], "\x1b[32mINFO\x1b[0m flood line "...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, " the quick brown fox jumps over the lazy dog\n"...)
		w.Write(line)
	}
	for i := range floodLastLines {
		fmt.Fprintf(w, "last line %d\n", i)
	}
	w.Flush()
}

type floodResult struct {
	lines, cuts int64
	heap        []uint64 // HeapInuse after GC, sampled during the flood
	elapsed     time.Duration
}

// runFlood mirrors a flooding child into b and checks the bounds while it
// runs.
func runFlood(tb testing.TB, b *Buffer, d time.Duration) floodResult {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	c := NewChild(b, exe, "-test.run=^$")
	c.Env = append(os.Environ(), helperEnv+"=flood", "CONSOLE_FLOOD_DURATION="+d.String())
	c.Stdout, c.Stderr = io.Discard, io.Discard
	var res floodResult
	var lines, cuts atomic.Int64
	c.OnLine(func(l Line) {
		lines.Add(1)
		if l.Cut {
			cuts.Add(1)
		}
	})
	maxLines, maxBytes := b.MaxLines(), b.MaxBytes()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		// Bounds checked often, heap a few times: a GC per sample is slow.
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		lastHeap := time.Now()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if n := b.Len(); n > maxLines {
				tb.Errorf("buffer holds %d lines, bound %d", n, maxLines)
			}
			if n := b.Bytes(); n > maxBytes {
				tb.Errorf("buffer holds %d bytes, bound %d", n, maxBytes)
			}
			if time.Since(lastHeap) >= d/4 {
				res.heap = append(res.heap, heapInuse())
				lastHeap = time.Now()
			}
		}
	})
	start := time.Now()
	code, err := c.Run(context.Background())
	res.elapsed = time.Since(start)
	close(stop)
	wg.Wait()
	if code != 0 || err != nil {
		tb.Fatalf("flood child: %d, %v", code, err)
	}
	res.lines, res.cuts = lines.Load(), cuts.Load()
	return res
}

func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func TestFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("floods for seconds")
	}
	b := NewBuffer(0)
	base := heapInuse()
	res := runFlood(t, b, floodTestDuration)
	t.Logf("%d lines (%d cut pieces) in %v, %.0f lines/s; heap in use after GC: base %d KiB, samples %v KiB",
		res.lines, res.cuts, res.elapsed, float64(res.lines)/res.elapsed.Seconds(), base>>10, kib(res.heap))

	// The race detector slows the reader down about tenfold.
	minLines := int64(200000)
	if raceEnabled {
		minLines = 20000
	}
	if res.lines < minLines {
		t.Errorf("only %d lines mirrored", res.lines)
	}
	if res.cuts == 0 {
		t.Error("no 1 MiB line was cut")
	}
	if len(res.heap) < 3 {
		t.Fatalf("only %d heap samples", len(res.heap))
	}
	// Levels off: the live heap is the buffer (at most MaxBytes) plus fixed
	// costs, from the first sample on.
	limit := base + 2*uint64(b.MaxBytes()) + 8<<20
	for i, h := range res.heap {
		if h > limit {
			t.Errorf("heap sample %d: %d KiB in use, more than %d KiB", i, h>>10, limit>>10)
		}
	}
	if first, last := res.heap[0], res.heap[len(res.heap)-1]; last > first+8<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB", first>>10, last>>10)
	}

	lines := b.LinesAfter(0, 0, nil)
	if len(lines) > b.MaxLines() {
		t.Fatalf("%d lines", len(lines))
	}
	tail := lines[len(lines)-floodLastLines:]
	for i, l := range tail {
		if want := fmt.Sprintf("last line %d", i); l.Text != want {
			t.Errorf("line %d from the end: %q, want %q", floodLastLines-i, l.Text, want)
		}
	}
	for _, l := range lines {
		checkLine(t, l)
	}
}

func kib(v []uint64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = x >> 10
	}
	return out
}

// BenchmarkFlood is TestFlood for floodBenchDuration; it reports the rate
// and the heap's growth over the run.
func BenchmarkFlood(b *testing.B) {
	for b.Loop() {
		buf := NewBuffer(0)
		res := runFlood(b, buf, floodBenchDuration)
		b.ReportMetric(float64(res.lines)/res.elapsed.Seconds(), "lines/s")
		b.ReportMetric(float64(res.heap[0])/(1<<20), "heap-first-MiB")
		b.ReportMetric(float64(res.heap[len(res.heap)-1])/(1<<20), "heap-last-MiB")
	}
}
