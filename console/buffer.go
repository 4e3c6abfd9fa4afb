package console

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	// DefaultMaxLines is the number of lines a Buffer keeps unless told
	// otherwise.
	DefaultMaxLines = 5000
	// DefaultMaxBytes bounds the memory a Buffer's lines hold. Five thousand
	// ordinary lines use a few hundred KiB; the byte bound is what keeps a
	// flood of long lines (pieces of up to MaxLineBytes each) from holding
	// hundreds of MiB.
	DefaultMaxBytes = 16 << 20
)

// lineOverhead is what a stored Line costs besides its text and spans; it is
// charged to MaxBytes so that many empty lines also count.
const lineOverhead = int(unsafe.Sizeof(Line{}))

const spanSize = int(unsafe.Sizeof(Span{}))

func lineCost(l *Line) int { return lineOverhead + len(l.Text) + len(l.Spans)*spanSize }

// Buffer is a bounded ring of lines, safe for concurrent use. When a new line
// would exceed MaxLines or MaxBytes, the oldest lines are dropped.
type Buffer struct {
	mu       sync.RWMutex
	ring     []Line
	head     int // slot of the oldest line
	n        int // lines held
	next     uint64
	bytes    int
	maxBytes int
	subs     []chan struct{}
	version  atomic.Uint64
}

// NewBuffer returns an empty Buffer that keeps maxLines lines;
// maxLines <= 0 means DefaultMaxLines. It keeps at most DefaultMaxBytes
// until SetMaxBytes says otherwise.
func NewBuffer(maxLines int) *Buffer {
	if maxLines <= 0 {
		maxLines = DefaultMaxLines
	}
	return &Buffer{ring: make([]Line, maxLines), next: 1, maxBytes: DefaultMaxBytes}
}

// append stores l, giving it the next Seq, and returns that Seq.
func (b *Buffer) append(l *Line) uint64 {
	b.mu.Lock()
	l.Seq = b.next
	b.next++
	if b.n == len(b.ring) {
		b.dropOldest()
	}
	slot := b.head + b.n
	if slot >= len(b.ring) {
		slot -= len(b.ring)
	}
	b.ring[slot] = *l
	b.n++
	b.bytes += lineCost(l)
	for b.bytes > b.maxBytes && b.n > 1 {
		b.dropOldest()
	}
	b.changedLocked()
	b.mu.Unlock()
	return l.Seq
}

// dropOldest clears the oldest slot as well, so that a dropped line's text is
// garbage at once rather than when its slot is reused.
func (b *Buffer) dropOldest() {
	b.bytes -= lineCost(&b.ring[b.head])
	b.ring[b.head] = Line{}
	b.head++
	if b.head == len(b.ring) {
		b.head = 0
	}
	b.n--
}

func (b *Buffer) changedLocked() {
	b.version.Add(1)
	for _, ch := range b.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Subscribe returns a channel that receives a value after the buffer changes.
// It has room for one value and sends never block, so a burst of changes
// reaches a slow reader as one: a UI can redraw, sleep 100 ms, and read
// again, and never redraws more than ten times a second. cancel stops the
// notifications; the channel is not closed, so a select on it stays valid.
func (b *Buffer) Subscribe() (changed <-chan struct{}, cancel func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	b.subs = append(b.subs, ch)
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for i, c := range b.subs {
			if c == ch {
				b.subs = append(b.subs[:i], b.subs[i+1:]...)
				return
			}
		}
	}
}

// Version returns a counter that grows with every change to the buffer: a
// reader that polls can compare it with the value it last saw.
func (b *Buffer) Version() uint64 { return b.version.Load() }

// Len returns the number of lines held.
func (b *Buffer) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.n
}

// Bytes returns the memory charged against MaxBytes.
func (b *Buffer) Bytes() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.bytes
}

// SeqRange returns the Seq of the oldest line held and the Seq the next line
// will get; the buffer holds exactly the lines with first <= Seq < next, and
// is empty when they are equal.
func (b *Buffer) SeqRange() (first, next uint64) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.next - uint64(b.n), b.next
}

// At returns the line at index i, 0 being the oldest line held.
func (b *Buffer) At(i int) (Line, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if i < 0 || i >= b.n {
		return Line{}, false
	}
	return b.ring[b.slot(i)], true
}

// Get returns the line with the given Seq, if the buffer still holds it.
func (b *Buffer) Get(seq uint64) (Line, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	first := b.next - uint64(b.n)
	if seq < first || seq >= b.next {
		return Line{}, false
	}
	return b.ring[b.slot(int(seq-first))], true
}

func (b *Buffer) slot(i int) int {
	s := b.head + i
	if s >= len(b.ring) {
		s -= len(b.ring)
	}
	return s
}

// LinesAfter appends to dst the lines with a Seq greater than seq, oldest
// first, at most limit of them (all when limit <= 0), and returns the extended
// slice. Lines share their Text and Spans with the buffer; both are
// immutable. LinesAfter(0, 0, nil) is a snapshot of the whole buffer.
func (b *Buffer) LinesAfter(seq uint64, limit int, dst []Line) []Line {
	b.mu.RLock()
	defer b.mu.RUnlock()
	first := b.next - uint64(b.n)
	i := 0
	if seq >= first {
		if seq >= b.next {
			return dst
		}
		i = int(seq - first + 1)
	}
	end := b.n
	if limit > 0 && end-i > limit {
		end = i + limit
	}
	for ; i < end; i++ {
		dst = append(dst, b.ring[b.slot(i)])
	}
	return dst
}

// Clear drops every line. Seq numbers go on from where they were.
func (b *Buffer) Clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.ring)
	b.head, b.n, b.bytes = 0, 0, 0
	b.changedLocked()
}

// MaxLines returns the number of lines the buffer keeps.
func (b *Buffer) MaxLines() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.ring)
}

// SetMaxLines changes how many lines the buffer keeps, dropping the oldest
// when it shrinks; n <= 0 means DefaultMaxLines.
func (b *Buffer) SetMaxLines(n int) {
	if n <= 0 {
		n = DefaultMaxLines
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n == len(b.ring) {
		return
	}
	for b.n > n {
		b.dropOldest()
	}
	ring := make([]Line, n)
	for i := range b.n {
		ring[i] = b.ring[b.slot(i)]
	}
	b.ring, b.head = ring, 0
	b.changedLocked()
}

// MaxBytes returns the memory bound; see SetMaxBytes.
func (b *Buffer) MaxBytes() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.maxBytes
}

// SetMaxBytes bounds the memory the lines hold (their text, spans and a fixed
// cost per line), dropping the oldest lines to fit, though never the newest
// one; n <= 0 means DefaultMaxBytes.
func (b *Buffer) SetMaxBytes(n int) {
	if n <= 0 {
		n = DefaultMaxBytes
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.maxBytes = n
	dropped := false
	for b.bytes > b.maxBytes && b.n > 1 {
		b.dropOldest()
		dropped = true
	}
	if dropped {
		b.changedLocked()
	}
}
