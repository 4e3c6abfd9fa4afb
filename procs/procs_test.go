package procs

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

func f(v float64) *float64 { return &v }
func u(v uint64) *uint64   { return &v }

func ptrEq(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func show(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%.4f", *p)
}

func TestCPUPercents(t *testing.T) {
	cases := []struct {
		used, elapsed float64
		cores         int
		core, machine float64
		ok            bool
	}{
		{1.5, 2, 4, 75, 18.75, true},
		{0, 2, 4, 0, 0, true},
		{9, 2, 4, 400, 100, true}, // clamped: 4 cores cannot be 112.5 % busy
		{3, 2, 0, 150, 0, true},   // cores unknown: no ceiling, no machine share
		{-0.01, 2, 4, 0, 0, false},
		{1, 0, 4, 0, 0, false},
		{1, -1, 4, 0, 0, false},
	}
	for _, c := range cases {
		core, machine, ok := cpuPercents(c.used, c.elapsed, c.cores)
		if ok != c.ok || math.Abs(core-c.core) > 1e-9 || math.Abs(machine-c.machine) > 1e-9 {
			t.Errorf("cpuPercents(%v, %v, %d) = %v, %v, %v; want %v, %v, %v",
				c.used, c.elapsed, c.cores, core, machine, ok, c.core, c.machine, c.ok)
		}
	}
}

func TestTop(t *testing.T) {
	list := []Process{
		{PID: 1, CPUPercent: f(5), RSSBytes: u(100)},
		{PID: 2, CPUPercent: f(50), RSSBytes: u(10)},
		{PID: 3}, // nothing known: never ranked
		{PID: 4, CPUPercent: f(5), RSSBytes: u(1 << 40)}, // ties with PID 1 on CPU
		{PID: 5, CPUPercent: f(0)},
	}
	orig := slices.Clone(list)
	pids := func(ps []Process) []int32 {
		var out []int32
		for _, p := range ps {
			out = append(out, p.PID)
		}
		return out
	}
	for _, c := range []struct {
		n    int
		by   By
		want []int32
	}{
		{3, ByCPU, []int32{2, 1, 4}},
		{10, ByCPU, []int32{2, 1, 4, 5}},
		{2, ByMemory, []int32{4, 1}},
		{10, ByMemory, []int32{4, 1, 2}},
		{0, ByCPU, nil},
		{-1, ByMemory, nil},
	} {
		if got := pids(Top(list, c.n, c.by)); !slices.Equal(got, c.want) {
			t.Errorf("Top(%d, %v) = %v, want %v", c.n, c.by, got, c.want)
		}
	}
	if !slices.EqualFunc(list, orig, func(a, b Process) bool { return a.PID == b.PID }) {
		t.Error("Top reordered its input")
	}
	if got := Top([]Process{{PID: 1}, {PID: 2}}, 5, ByCPU); len(got) != 0 {
		t.Errorf("first scan ranked by CPU: %v", pids(got))
	}
}

// TestProcessJSON pins the field names `sysmon snapshot --json` prints.
func TestProcessJSON(t *testing.T) {
	start := time.Date(2025, 3, 1, 12, 30, 5, 0, time.UTC)
	threads := int32(4)
	full := Process{
		PID: 42, PPID: 1, Name: "ollama", User: "alice", State: "sleeping",
		CPUPercent: f(12.5), CPUCorePercent: f(50), RSSBytes: u(1 << 30), Threads: &threads,
		StartTime: &start, Command: "/usr/bin/ollama serve",
	}
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"pid":42,"ppid":1,"name":"ollama","user":"alice","state":"sleeping","cpu_percent":12.5,` +
		`"cpu_core_percent":50,"rss_bytes":1073741824,"threads":4,"start_time":"2025-03-01T12:30:05Z",` +
		`"command":"/usr/bin/ollama serve"}`
	if string(b) != want {
		t.Errorf("json =\n%s\nwant\n%s", b, want)
	}
	b, _ = json.Marshal(Process{PID: 7, Name: "gone"})
	if want := `{"pid":7,"ppid":0,"name":"gone"}`; string(b) != want {
		t.Errorf("absent values: json = %s, want %s", b, want)
	}
}
