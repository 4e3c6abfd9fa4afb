package console

import (
	"slices"
	"sync"
)

// viewChunk is how many lines a View copies out of the buffer at a time, so
// that it filters without holding the buffer's lock.
const viewChunk = 512

// View is the filtered list of a Buffer's lines that a list widget shows: it
// keeps the Seq of every matching line and, on Refresh, filters only the
// lines that arrived since and forgets the ones the buffer dropped. Nothing
// is copied on a redraw; Line(i) fetches one line. It is safe for concurrent
// use.
type View struct {
	mu      sync.Mutex
	buf     *Buffer
	filter  Filter
	seqs    []uint64 // Seq of each matching line, ascending; live from off
	off     int
	scanned uint64 // highest Seq examined
	scratch []Line
}

// NewView returns a View of b through f, already refreshed.
func (b *Buffer) NewView(f Filter) *View {
	v := &View{buf: b, filter: f.clone()}
	v.Refresh()
	return v
}

// Filter returns the View's filter.
func (v *View) Filter() Filter {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.filter.clone()
}

// SetFilter replaces the filter and refilters the lines the buffer holds.
func (v *View) SetFilter(f Filter) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.filter = f.clone()
	v.seqs, v.off, v.scanned = v.seqs[:0], 0, 0
	v.refreshLocked()
}

// Refresh brings the View up to date with the buffer and reports whether the
// list changed. Call it before reading Len and Line for a redraw.
func (v *View) Refresh() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.refreshLocked()
}

func (v *View) refreshLocked() bool {
	changed := v.dropEvicted()
	first, next := v.buf.SeqRange()
	v.scanned = max(v.scanned, first-1)
	for v.scanned+1 < next {
		v.scratch = v.buf.LinesAfter(v.scanned, viewChunk, v.scratch[:0])
		if len(v.scratch) == 0 {
			break
		}
		for i := range v.scratch {
			if v.filter.Match(&v.scratch[i]) {
				v.seqs = append(v.seqs, v.scratch[i].Seq)
				changed = true
			}
		}
		v.scanned = v.scratch[len(v.scratch)-1].Seq
	}
	// Let the buffer free what it drops: the View keeps only numbers.
	clear(v.scratch)
	// Lines may have been dropped while this ran.
	if v.dropEvicted() {
		changed = true
	}
	return changed
}

// dropEvicted forgets matches the buffer no longer holds.
func (v *View) dropEvicted() bool {
	first, _ := v.buf.SeqRange()
	live := v.seqs[v.off:]
	k, _ := slices.BinarySearch(live, first)
	if k == 0 {
		return false
	}
	v.off += k
	// Compact once the dead prefix is as long as the live part, so the slice
	// stays within twice the buffer's size.
	if v.off >= len(v.seqs)-v.off {
		n := copy(v.seqs, v.seqs[v.off:])
		v.seqs, v.off = v.seqs[:n], 0
	}
	return true
}

// Len returns the number of matching lines as of the last Refresh.
func (v *View) Len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.seqs) - v.off
}

// Seq returns the Seq of the i-th matching line, 0 being the oldest.
func (v *View) Seq(i int) (uint64, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if i < 0 || i >= len(v.seqs)-v.off {
		return 0, false
	}
	return v.seqs[v.off+i], true
}

// Line returns the i-th matching line. ok is false when i is out of range or
// the buffer dropped the line since the last Refresh.
func (v *View) Line(i int) (Line, bool) {
	seq, ok := v.Seq(i)
	if !ok {
		return Line{}, false
	}
	return v.buf.Get(seq)
}

// Index returns the index of the first matching line with a Seq of at least
// seq, and whether that line has exactly this Seq: a UI uses it to keep its
// scroll position across a Refresh or a filter change.
func (v *View) Index(seq uint64) (int, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.BinarySearch(v.seqs[v.off:], seq)
}
