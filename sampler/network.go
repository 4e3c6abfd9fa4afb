package sampler

import (
	"context"
	"fmt"
	"sort"

	"github.com/shirou/gopsutil/v4/net"
)

// networkSource reports per-interface throughput. Rates are computed per
// interface against that interface's own previous counters, so an interface
// that appears, disappears or resets its counters never turns into a
// negative or wrapped total.
type networkSource struct {
	prev     map[string]net.IOCountersStat
	prevTick Tick
}

func (n *networkSource) Name() string { return "network" }

func (n *networkSource) Collect(ctx context.Context, t Tick) (func(*Sample), error) {
	counters, err := net.IOCountersWithContext(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("read network counters: %w", err)
	}
	out := interfaceRates(n.prev, counters, t.Since(n.prevTick))
	n.prev = make(map[string]net.IOCountersStat, len(counters))
	for _, c := range counters {
		n.prev[c.Name] = c
	}
	n.prevTick = t
	return func(s *Sample) { s.Network = out }, nil
}

func interfaceRates(prev map[string]net.IOCountersStat, cur []net.IOCountersStat, seconds float64) []Interface {
	out := make([]Interface, 0, len(cur))
	for _, c := range cur {
		i := Interface{Name: c.Name, RxBytesTotal: c.BytesRecv, TxBytesTotal: c.BytesSent}
		if p, ok := prev[c.Name]; ok {
			i.RxBytesPerSec = rate(p.BytesRecv, c.BytesRecv, seconds)
			i.TxBytesPerSec = rate(p.BytesSent, c.BytesSent, seconds)
		}
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// NetworkTotals sums the rates of the interfaces that have one this interval
// (loopback included: local model servers talk over it). ok is false when no
// interface had a rate.
func NetworkTotals(ifs []Interface) (rx, tx float64, ok bool) {
	for _, i := range ifs {
		if i.RxBytesPerSec == nil || i.TxBytesPerSec == nil {
			continue
		}
		rx += *i.RxBytesPerSec
		tx += *i.TxBytesPerSec
		ok = true
	}
	return rx, tx, ok
}
