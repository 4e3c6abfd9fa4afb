package console

import (
	"fmt"
	"strconv"
	"testing"
)

// A typical llama.cpp-style line and a coloured slog-style one.
var (
	benchPlain   = []byte("llama_model_loader: - kv  19:                general.file_type u32              = 15\n")
	benchColored = []byte("\x1b[90m15:04:05\x1b[0m \x1b[32mINFO\x1b[0m request done \x1b[2mpath=\x1b[0m/v1/chat tokens=512\n")
)

// BenchmarkAppend measures one line through a Writer into a full buffer:
// parsing, level guess, storing and dropping the oldest. Target: < 1 µs/op.
func BenchmarkAppend(b *testing.B) {
	buf := NewBuffer(0)
	w := buf.Writer("bench")
	for range DefaultMaxLines {
		w.Write(benchPlain)
	}
	b.SetBytes(int64(len(benchPlain)))
	b.ReportAllocs()
	for b.Loop() {
		w.Write(benchPlain)
	}
}

func BenchmarkAppendColored(b *testing.B) {
	buf := NewBuffer(0)
	w := buf.Writer("bench")
	b.SetBytes(int64(len(benchColored)))
	b.ReportAllocs()
	for b.Loop() {
		w.Write(benchColored)
	}
}

// BenchmarkAppendParallel has four writers share one buffer, as stdout,
// stderr and two children do.
func BenchmarkAppendParallel(b *testing.B) {
	buf := NewBuffer(0)
	b.SetParallelism(1)
	b.RunParallel(func(pb *testing.PB) {
		w := buf.Writer("bench")
		for pb.Next() {
			w.Write(benchPlain)
		}
	})
}

// millionLines writes n numbered lines through one Writer and returns the
// in-use heap after GC at each quarter.
func millionLines(buf *Buffer, n int) []uint64 {
	w := buf.Writer("million")
	line := make([]byte, 0, 128)
	var heap []uint64
	for i := range n {
		line = append(line[:0], "WARN line "...)
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, " of a million, long enough to look like real output\n"...)
		w.Write(line)
		if (i+1)%(n/4) == 0 {
			heap = append(heap, heapInuse())
		}
	}
	return heap
}

// TestMillionLinesSteadyHeap pushes a million lines through a default buffer:
// once it is full, the heap in use must stay where it is.
func TestMillionLinesSteadyHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("a million lines")
	}
	buf := NewBuffer(0)
	heap := millionLines(buf, 1_000_000)
	t.Logf("heap in use after GC at each 250k lines: %v KiB", kib(heap))
	checkSteady(t, heap)
	if buf.Len() != DefaultMaxLines {
		t.Errorf("%d lines held", buf.Len())
	}
	if l, _ := buf.At(buf.Len() - 1); l.Text != "WARN line 999999 of a million, long enough to look like real output" {
		t.Errorf("last line %q", l.Text)
	}
}

// checkSteady fails if the heap grew between the first sample (the buffer
// is full long before) and the last by more than a small allowance for the
// runtime's own fluctuation.
func checkSteady(tb testing.TB, heap []uint64) {
	tb.Helper()
	const allowance = 1 << 20
	for i, h := range heap[1:] {
		if h > heap[0]+allowance {
			tb.Errorf("heap grew: sample %d is %d KiB, first %d KiB", i+1, h>>10, heap[0]>>10)
		}
	}
}

// BenchmarkMillionLines reports the time per line and the heap after a
// million lines, and fails if the heap did not stay steady.
func BenchmarkMillionLines(b *testing.B) {
	for b.Loop() {
		buf := NewBuffer(0)
		heap := millionLines(buf, 1_000_000)
		checkSteady(b, heap)
		b.ReportMetric(float64(heap[len(heap)-1])/(1<<20), "heap-MiB")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/line")
}

func ExampleBuffer_Subscribe() {
	buf := NewBuffer(0)
	changed, cancel := buf.Subscribe()
	defer cancel()
	w := buf.Writer("example")
	fmt.Fprint(w, "one\ntwo\n\x1b[31mthree\x1b[0m\n")
	<-changed // one notification for all three lines
	var seen uint64
	for _, l := range buf.LinesAfter(seen, 0, nil) {
		fmt.Println(l.Seq, l.Text, len(l.Spans))
		seen = l.Seq
	}
	// Output:
	// 1 one 0
	// 2 two 0
	// 3 three 1
}
