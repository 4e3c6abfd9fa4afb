package sampler

import (
	"math"
	"sort"
	"sync"
	"time"
)

// History keeps the last N values of every series (CPU total, each core,
// each disk's read rate, ...) in fixed-size rings, all aligned on the same
// ticks. An absent value is NaN. Memory is bounded by N times the number of
// series; a series that has had no value for N ticks (an unplugged disk, a
// removed interface) is dropped.
type History struct {
	mu       sync.RWMutex
	size     int
	count    int // samples added since creation or the last Resize
	series   map[string]*ring
	latest   *Sample
	lastTick time.Duration
}

type ring struct {
	vals     []float64
	lastSeen int // count at the last tick this series had a value
}

// NewHistory returns a History of n ticks.
func NewHistory(n int) *History {
	return &History{size: n, series: map[string]*ring{}}
}

// Size is the number of ticks the History holds.
func (h *History) Size() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.size
}

// Latest returns the newest Sample, or nil before the first.
func (h *History) Latest() *Sample {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.latest
}

// Series copies a series into dst, oldest first, newest last, always Size
// values long (NaN where nothing was recorded), and returns it. Passing the
// previous result as dst avoids allocating on every redraw.
func (h *History) Series(key string, dst []float64) []float64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if cap(dst) < h.size {
		dst = make([]float64, h.size)
	}
	dst = dst[:h.size]
	r := h.series[key]
	for i := range dst {
		// Ticks older than the first sample are NaN too.
		age := h.size - 1 - i
		if r == nil || age >= h.count {
			dst[i] = math.NaN()
			continue
		}
		dst[i] = r.vals[(h.count-1-age)%h.size]
	}
	return dst
}

// Keys lists the series currently held, sorted.
func (h *History) Keys() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	keys := make([]string, 0, len(h.series))
	for k := range h.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Resize changes the number of ticks kept, keeping the newest values.
func (h *History) Resize(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n == h.size {
		return
	}
	keep := min(h.count, h.size, n)
	for _, r := range h.series {
		vals := nanSlice(n)
		for i := range keep {
			// Old newest-first index i goes to new slot keep-1-i.
			vals[keep-1-i] = r.vals[(h.count-1-i)%h.size]
		}
		r.vals = vals
		r.lastSeen -= h.count - keep
	}
	h.size, h.count = n, keep
}

// lastMono is the monotonic time of the newest Sample; ok is false before
// the first.
func (h *History) lastMono() (mono time.Duration, ok bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.lastTick, h.latest != nil
}

// add records a Sample taken at monotonic time mono.
func (h *History) add(s *Sample, mono time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	slot := h.count % h.size
	for _, r := range h.series {
		r.vals[slot] = math.NaN()
	}
	s.points(func(key string, v float64) {
		r := h.series[key]
		if r == nil {
			r = &ring{vals: nanSlice(h.size)}
			h.series[key] = r
		}
		r.vals[slot] = v
		r.lastSeen = h.count
	})
	for k, r := range h.series {
		if h.count-r.lastSeen >= h.size {
			delete(h.series, k)
		}
	}
	h.count++
	h.latest = s
	h.lastTick = mono
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}
