package runs

import (
	"testing"
	"time"
)

// BenchmarkRunAdd adds 10 Hz samples with the default 2 s flush interval:
// one write transaction of 20 rows every 20 Adds.
func BenchmarkRunAdd(b *testing.B) {
	st, err := Open(b.TempDir() + "/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	r, err := st.Start("bench", nil, t0)
	if err != nil {
		b.Fatal(err)
	}
	a, g := dev(0), dev(1)
	a.MemoryUsedBytes, g.MemoryUsedBytes = u64(gib), u64(gib)
	a.PowerWatts, g.PowerWatts = f64(300), f64(280)
	s := withTokens(smp(0, f64(40), u64(8*gib), a, g), 10, 100, 30)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := r.Add(s, time.Duration(i)*100*time.Millisecond); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
