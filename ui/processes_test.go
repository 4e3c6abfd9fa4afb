package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"sysmon/format"
	"sysmon/gpu"
	"sysmon/procs"
	"sysmon/sampler"
)

func testProcs() []procs.Process {
	f := func(v float64) *float64 { return &v }
	b := func(v uint64) *uint64 { return &v }
	return []procs.Process{
		{PID: 1, Name: "init", User: "root", CPUPercent: f(0.1), CPUCorePercent: f(0.2), RSSBytes: b(10 << 20)},
		{PID: 79, Name: "ollama", User: "alice", CPUPercent: f(40), CPUCorePercent: f(80), RSSBytes: b(2 << 30), Command: "/usr/bin/ollama serve"},
		{PID: 200, Name: "x) R 99 99", User: "bob", RSSBytes: b(1 << 20)}, // first scan: no CPU value
		{PID: 300, Name: "llama-server", User: "alice", CPUPercent: f(25), CPUCorePercent: f(50), RSSBytes: b(8 << 30)},
	}
}

func newTestProcessesView(t *testing.T) *processesView {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	v := newProcessesView(w, func() format.Units { return format.Binary }, func(_ time.Duration, fn func()) { fn() })
	w.SetContent(v.content)
	return v
}

func TestProcessesSortFilterTotal(t *testing.T) {
	v := newTestProcessesView(t)
	six := uint64(6 << 30)
	v.show(testProcs(), map[int32]*uint64{300: &six, 79: nil})
	names := func() string {
		var n []string
		for _, r := range v.rows {
			n = append(n, r.Name)
		}
		return strings.Join(n, ",")
	}
	if got := names(); got != "ollama,llama-server,init,x) R 99 99" {
		t.Errorf("default order (CPU, highest first, n/a last) = %s", got)
	}
	v.sortBy(5) // memory, largest first
	if got := names(); got != "llama-server,ollama,init,x) R 99 99" {
		t.Errorf("by memory = %s", got)
	}
	v.sortBy(0) // name, A first
	if got := names(); got != "init,llama-server,ollama,x) R 99 99" {
		t.Errorf("by name = %s", got)
	}
	if got := procColumns[6].text(v.rows[1], format.Binary, false); got != "6 GiB" {
		t.Errorf("GPU memory of llama-server = %q", got)
	}
	// G1: on a GPU, VRAM not available: n/a, not blank and not 0.
	if got := procColumns[6].text(v.rows[2], format.Binary, false); got != "n/a" {
		t.Errorf("GPU memory of ollama = %q", got)
	}
	if got := procColumns[6].text(v.rows[0], format.Binary, false); got != "" {
		t.Errorf("GPU memory of a process off the GPU = %q", got)
	}
	if got := procColumns[4].text(v.rows[3], format.Binary, false); got != "n/a" {
		t.Errorf("first-scan CPU = %q, want n/a", got)
	}
	v.filter.SetText("alice")
	if got := names(); got != "llama-server,ollama" {
		t.Errorf("filter by user = %s", got)
	}
	if !strings.Contains(v.total.Text, "2 of 4 processes") || !strings.Contains(v.total.Text, "CPU 65 %") ||
		!strings.Contains(v.total.Text, "GPU memory 6 GiB") {
		t.Errorf("total row %q", v.total.Text)
	}
	v.filter.SetText("79")
	if got := names(); got != "ollama" {
		t.Errorf("filter by PID = %s", got)
	}
	v.filter.SetText("")
	v.perCore = true
	v.rebuild()
	if !strings.Contains(v.total.Text, "CPU 130 %") {
		t.Errorf("per-core total %q", v.total.Text)
	}
}

func TestEndProcessAsksThenOffersKill(t *testing.T) {
	v := newTestProcessesView(t)
	v.show(testProcs(), nil)
	var sent []string
	v.terminate = func(pid int32) error { sent = append(sent, "TERM"); return nil }
	v.kill = func(pid int32) error { sent = append(sent, "KILL"); return nil }
	v.table.Select(widget.TableCellID{Row: 0, Col: 0}) // ollama, the busiest
	if v.sel == nil || v.sel.PID != 79 || !strings.Contains(v.detail.Text, "/usr/bin/ollama serve") {
		t.Fatalf("selection %+v, detail %q", v.sel, v.detail.Text)
	}
	v.confirmEnd()
	confirm(t, v, "ollama (PID 79)")
	// Still in the scan after the grace period: SIGKILL is offered.
	confirm(t, v, "still running")
	if strings.Join(sent, ",") != "TERM,KILL" {
		t.Errorf("signals %v", sent)
	}

	sent = nil
	v.terminate = func(pid int32) error { return errors.New("not permitted to signal process 79 (owned by alice)") }
	v.confirmEnd()
	confirm(t, v, "ollama (PID 79)")
	if len(sent) != 0 {
		t.Errorf("signals after a refused SIGTERM: %v", sent)
	}
}

// confirm presses the confirm button of the dialog on top, checking that its
// text mentions want.
func confirm(t *testing.T, v *processesView, want string) {
	t.Helper()
	over := v.win.Canvas().Overlays().Top()
	if over == nil {
		t.Fatalf("no dialog mentioning %q", want)
	}
	var texts []string
	var yes *widget.Button
	walk(over, func(o any) {
		switch x := o.(type) {
		case *widget.Label:
			texts = append(texts, x.Text)
		case *widget.Button:
			if x.Text == "Yes" {
				yes = x
			}
		}
	})
	if !strings.Contains(strings.Join(texts, " "), want) {
		t.Fatalf("dialog %q does not mention %q", texts, want)
	}
	if yes != nil {
		test.Tap(yes)
	} else {
		v.win.Canvas().Overlays().Remove(over)
	}
}

func TestGPUMemoryByPID(t *testing.T) {
	used := uint64(3 << 30)
	s := &sampler.Sample{GPU: &gpu.Status{Devices: []gpu.Device{
		{Processes: []gpu.Process{{PID: 79}, {PID: 300, MemoryUsedBytes: &used}}},
		{Processes: []gpu.Process{{PID: 300, MemoryUsedBytes: &used}}},
	}}}
	got := gpuMemoryByPID(s)
	if v, ok := got[79]; !ok || v != nil || got[300] == nil || *got[300] != 6<<30 {
		t.Errorf("gpu memory %v: want PID 300 summed over GPUs and PID 79 present without a value", got)
	}
	if len(gpuMemoryByPID(nil)) != 0 {
		t.Error("nil sample")
	}
}

// walk visits o and everything inside it.
func walk(o any, visit func(any)) {
	visit(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, visit)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(x)
		for _, c := range r.Objects() {
			walk(c, visit)
		}
	}
}
