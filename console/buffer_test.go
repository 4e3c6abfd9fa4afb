package console

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

func fill(b *Buffer, from, to int) {
	w := b.Writer("fill")
	for i := from; i < to; i++ {
		fmt.Fprintf(w, "%d\n", i)
	}
}

func TestBufferRing(t *testing.T) {
	b := NewBuffer(3)
	if first, next := b.SeqRange(); first != 1 || next != 1 || b.Len() != 0 {
		t.Fatalf("empty buffer: %d %d %d", first, next, b.Len())
	}
	fill(b, 0, 5)
	if got := texts(b); !slices.Equal(got, []string{"2", "3", "4"}) {
		t.Fatalf("got %q", got)
	}
	if first, next := b.SeqRange(); first != 3 || next != 6 {
		t.Errorf("SeqRange = %d, %d", first, next)
	}
	if l, ok := b.At(0); !ok || l.Text != "2" || l.Seq != 3 {
		t.Errorf("At(0) = %+v, %v", l, ok)
	}
	if _, ok := b.At(3); ok {
		t.Error("At(3) on a 3-line buffer")
	}
	if _, ok := b.At(-1); ok {
		t.Error("At(-1)")
	}
	if l, ok := b.Get(5); !ok || l.Text != "4" {
		t.Errorf("Get(5) = %+v, %v", l, ok)
	}
	for _, seq := range []uint64{0, 2, 6} {
		if _, ok := b.Get(seq); ok {
			t.Errorf("Get(%d) found a line", seq)
		}
	}
	for _, tc := range []struct {
		after uint64
		limit int
		want  []string
	}{
		{0, 0, []string{"2", "3", "4"}},
		{3, 0, []string{"3", "4"}},
		{4, 1, []string{"4"}},
		{3, 1, []string{"3"}},
		{5, 0, nil},
		{99, 0, nil},
	} {
		var got []string
		for _, l := range b.LinesAfter(tc.after, tc.limit, nil) {
			got = append(got, l.Text)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("LinesAfter(%d, %d) = %q, want %q", tc.after, tc.limit, got, tc.want)
		}
	}
	if l, _ := b.At(2); l.Time.IsZero() || time.Since(l.Time) > time.Minute || l.Source != "fill" {
		t.Errorf("line fields: %+v", l)
	}
}

func TestBufferResize(t *testing.T) {
	b := NewBuffer(5)
	fill(b, 0, 5)
	b.SetMaxLines(2)
	if got := texts(b); !slices.Equal(got, []string{"3", "4"}) {
		t.Fatalf("after shrinking: %q", got)
	}
	b.SetMaxLines(4)
	fill(b, 5, 8)
	if got := texts(b); !slices.Equal(got, []string{"4", "5", "6", "7"}) {
		t.Fatalf("after growing: %q", got)
	}
	if l, _ := b.At(0); l.Seq != 5 {
		t.Errorf("Seq changed by a resize: %d", l.Seq)
	}
	b.SetMaxLines(0)
	if b.MaxLines() != DefaultMaxLines {
		t.Errorf("SetMaxLines(0): %d", b.MaxLines())
	}
	if got := texts(b); len(got) != 4 {
		t.Errorf("lines lost growing to the default: %q", got)
	}
	b.Clear()
	if b.Len() != 0 || b.Bytes() != 0 {
		t.Fatalf("Clear left %d lines, %d bytes", b.Len(), b.Bytes())
	}
	fill(b, 8, 9)
	if l, _ := b.At(0); l.Seq != 9 {
		t.Errorf("Seq after Clear: %d", l.Seq)
	}
}

func TestBufferMaxBytes(t *testing.T) {
	b := NewBuffer(1000)
	b.SetMaxBytes(10 * (lineOverhead + 100))
	w := b.Writer("bytes")
	line := make([]byte, 100)
	for i := range line {
		line[i] = 'b'
	}
	for range 50 {
		w.Write(line)
		w.Write([]byte("\n"))
		if b.Bytes() > b.MaxBytes() {
			t.Fatalf("%d bytes held, bound %d", b.Bytes(), b.MaxBytes())
		}
	}
	if b.Len() != 10 {
		t.Errorf("%d lines held, want 10", b.Len())
	}
	b.SetMaxBytes(3 * (lineOverhead + 100))
	if b.Len() != 3 {
		t.Errorf("%d lines after lowering MaxBytes, want 3", b.Len())
	}
	// The newest line stays even when it alone is over the bound.
	b.SetMaxBytes(1)
	if b.Len() != 1 {
		t.Errorf("%d lines with a 1-byte bound, want 1", b.Len())
	}
	b.SetMaxBytes(0)
	if b.MaxBytes() != DefaultMaxBytes {
		t.Errorf("SetMaxBytes(0): %d", b.MaxBytes())
	}
}

func TestBufferSubscribeCoalesces(t *testing.T) {
	b := NewBuffer(0)
	ch, cancel := b.Subscribe()
	v0 := b.Version()
	fill(b, 0, 100)
	if b.Version() == v0 {
		t.Error("Version did not change")
	}
	select {
	case <-ch:
	default:
		t.Fatal("no notification")
	}
	select {
	case <-ch:
		t.Fatal("100 appends were not coalesced into one notification")
	default:
	}
	cancel()
	fill(b, 0, 1)
	select {
	case <-ch:
		t.Fatal("notification after cancel")
	default:
	}
	cancel() // twice is harmless
}

func TestBufferConcurrent(t *testing.T) {
	// Writers, readers and a resizer at once, for the race detector; the
	// readers check what they can: Seq order and bounds.
	b := NewBuffer(100)
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			bw := b.Writer("w" + strconv.Itoa(w))
			for i := range 5000 {
				fmt.Fprintf(bw, "writer %d line %d\n", w, i)
			}
		})
	}
	ch, cancel := b.Subscribe()
	defer cancel()
	var readers sync.WaitGroup
	readers.Go(func() {
		var last uint64
		for {
			select {
			case <-done:
				return
			case <-ch:
			}
			for _, l := range b.LinesAfter(last, 0, nil) {
				if l.Seq <= last {
					t.Errorf("Seq %d after %d", l.Seq, last)
					return
				}
				last = l.Seq
			}
		}
	})
	readers.Go(func() {
		v := b.NewView(Filter{Search: "line 1"})
		for {
			select {
			case <-done:
				return
			default:
			}
			v.Refresh()
			for i := range v.Len() {
				v.Line(i)
			}
			b.SetMaxLines(50 + int(b.Version()%100))
		}
	})
	wg.Wait()
	close(done)
	readers.Wait()
	if n := b.Len(); n > b.MaxLines() {
		t.Errorf("%d lines, bound %d", n, b.MaxLines())
	}
	if _, next := b.SeqRange(); next != 4*5000+1 {
		t.Errorf("next Seq %d, want %d", next, 4*5000+1)
	}
}
