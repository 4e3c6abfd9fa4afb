package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"sysmon/format"
	"sysmon/procs"
)

// procColumn is one column of the process table.
type procColumn struct {
	title string
	width float32
	text  func(r procRow, u format.Units, perCore bool) string
	cmp   func(a, b procRow, perCore bool) int
}

// truncation is how a cell's text is cut when the column is too narrow:
// with an ellipsis for names and command lines, not at all for numbers.
func (c procColumn) truncation() fyne.TextTruncation {
	if c.title == "Name" || c.title == "Command" || c.title == "User" {
		return fyne.TextTruncateEllipsis
	}
	return fyne.TextTruncateOff
}

// procRow is a process with the GPU memory the gpu package saw for its PID.
type procRow struct {
	procs.Process
	onGPU    bool
	gpuBytes *uint64 // nil on a GPU means NVML could not say
}

func cpuOf(r procRow, perCore bool) *float64 {
	if perCore {
		return r.CPUCorePercent
	}
	return r.CPUPercent
}

// comparePtr orders absent values first, so a descending sort puts them last.
func comparePtr[T cmp.Ordered](a, b *T) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

var procColumns = []procColumn{
	{"Name", 180, func(r procRow, _ format.Units, _ bool) string { return r.Name },
		func(a, b procRow, _ bool) int {
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}},
	{"PID", 70, func(r procRow, _ format.Units, _ bool) string { return strconv.Itoa(int(r.PID)) },
		func(a, b procRow, _ bool) int { return cmp.Compare(a.PID, b.PID) }},
	{"User", 90, func(r procRow, _ format.Units, _ bool) string { return r.User },
		func(a, b procRow, _ bool) int { return strings.Compare(a.User, b.User) }},
	{"State", 90, func(r procRow, _ format.Units, _ bool) string { return r.State },
		func(a, b procRow, _ bool) int { return strings.Compare(a.State, b.State) }},
	{"CPU", 70, func(r procRow, _ format.Units, pc bool) string { return format.PercentPtr(cpuOf(r, pc)) },
		func(a, b procRow, pc bool) int { return comparePtr(cpuOf(a, pc), cpuOf(b, pc)) }},
	{"Memory", 95, func(r procRow, u format.Units, _ bool) string { return bytesPtr(r.RSSBytes, u) },
		func(a, b procRow, _ bool) int { return comparePtr(a.RSSBytes, b.RSSBytes) }},
	{"GPU memory", 100, func(r procRow, u format.Units, _ bool) string {
		if !r.onGPU {
			return ""
		}
		return bytesPtr(r.gpuBytes, u)
	}, func(a, b procRow, _ bool) int { return comparePtr(a.gpuBytes, b.gpuBytes) }},
	{"Threads", 70, func(r procRow, _ format.Units, _ bool) string {
		if r.Threads == nil {
			return format.NA
		}
		return strconv.Itoa(int(*r.Threads))
	}, func(a, b procRow, _ bool) int { return comparePtr(a.Threads, b.Threads) }},
	{"Command", 400, func(r procRow, _ format.Units, _ bool) string { return r.Command },
		func(a, b procRow, _ bool) int { return strings.Compare(a.Command, b.Command) }},
}

// processesView is the Processes tab: every process with its share of the
// machine, GPU memory included, sortable, filterable, and a way to end one.
type processesView struct {
	win     fyne.Window
	units   func() format.Units
	all     []procRow // the last scan
	rows    []procRow // filtered and sorted
	sortCol int
	desc    bool
	perCore bool
	filter  *widget.Entry
	table   *widget.Table
	total   *widget.Label
	detail  *widget.Label
	endBtn  *widget.Button
	sel     *procRow
	content fyne.CanvasObject
	// terminate and kill signal a process; tests replace them.
	terminate, kill func(int32) error
	// alive says whether a PID is still running in the latest scan.
	alive func(int32) bool
	// later runs a function on the UI thread after a delay (see bridge.go).
	later func(time.Duration, func())
}

// endGrace is how long a process gets to quit after SIGTERM before sysmon
// offers SIGKILL: longer than one scan, so the check sees a fresh list.
const endGrace = 3 * time.Second

func newProcessesView(win fyne.Window, units func() format.Units, later func(time.Duration, func())) *processesView {
	v := &processesView{win: win, units: units, later: later, sortCol: 4, desc: true,
		filter: widget.NewEntry(), total: widget.NewLabel(""), detail: widget.NewLabel(""),
		terminate: procs.Terminate, kill: procs.Kill}
	// A zombie has already exited: only its parent has yet to collect it,
	// and no signal can do more.
	v.alive = func(pid int32) bool {
		return slices.ContainsFunc(v.all, func(r procRow) bool { return r.PID == pid && r.State != "zombie" })
	}
	v.filter.SetPlaceHolder("Filter by name, PID or user")
	v.filter.OnChanged = func(string) { v.rebuild() }
	v.detail.Wrapping = fyne.TextWrapBreak
	v.detail.TextStyle.Monospace = true
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.rows), len(procColumns) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			// Ellipses cost a text measurement per redraw; only the columns
			// whose text can outgrow them need one.
			if want := procColumns[id.Col].truncation(); l.Truncation != want {
				l.Truncation = want
				l.Text = ""
			}
			if id.Row < 0 || id.Row >= len(v.rows) {
				setText(l, "")
				return
			}
			setText(l, procColumns[id.Col].text(v.rows[id.Row], v.units(), v.perCore))
		})
	v.table.ShowHeaderColumn = false
	v.table.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		b := o.(*widget.Button)
		if id.Col < 0 {
			return
		}
		title := procColumns[id.Col].title
		if id.Col == v.sortCol {
			title += map[bool]string{true: " ▼", false: " ▲"}[v.desc]
		}
		b.SetText(title)
		col := id.Col
		b.OnTapped = func() { v.sortBy(col) }
	}
	for i, c := range procColumns {
		v.table.SetColumnWidth(i, c.width)
	}
	v.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(v.rows) {
			r := v.rows[id.Row]
			v.sel = &r
			v.detail.SetText(fmt.Sprintf("%s (PID %d, parent %d, %s)\n%s", r.Name, r.PID, r.PPID, r.User, r.Command))
			v.endBtn.Enable()
		}
	}
	perCore := widget.NewCheck("CPU % per core (100 % = one core)", func(on bool) {
		v.perCore = on
		v.rebuild()
	})
	v.endBtn = widget.NewButton("End process…", v.confirmEnd)
	v.endBtn.Importance = widget.DangerImportance
	v.endBtn.Disable()
	top := container.NewBorder(nil, nil, nil, perCore, v.filter)
	bottom := container.NewVBox(v.total, container.NewBorder(nil, nil, nil, v.endBtn, v.detail))
	v.content = container.NewBorder(top, bottom, nil, nil, v.table)
	return v
}

// show takes a new scan joined with GPU memory by PID; UI thread only.
func (v *processesView) show(list []procs.Process, gpuMem map[int32]*uint64) {
	v.all = v.all[:0]
	for _, p := range list {
		r := procRow{Process: p}
		r.gpuBytes, r.onGPU = gpuMem[p.PID]
		v.all = append(v.all, r)
	}
	v.rebuild()
}

func (v *processesView) sortBy(col int) {
	if v.sortCol == col {
		v.desc = !v.desc
	} else {
		// Numbers read best largest first, names from A.
		v.sortCol, v.desc = col, col >= 4 && col <= 7
	}
	v.rebuild()
}

// rebuild filters, sorts and redraws the table, and sums the total row.
func (v *processesView) rebuild() {
	q := strings.ToLower(strings.TrimSpace(v.filter.Text))
	v.rows = v.rows[:0]
	var cpu float64
	var mem, gpuMem uint64
	onGPU := false
	for _, r := range v.all {
		if q != "" && !strings.Contains(strings.ToLower(r.Name), q) && !strings.Contains(strconv.Itoa(int(r.PID)), q) &&
			!strings.Contains(strings.ToLower(r.User), q) {
			continue
		}
		v.rows = append(v.rows, r)
		if c := cpuOf(r, v.perCore); c != nil {
			cpu += *c
		}
		if r.RSSBytes != nil {
			mem += *r.RSSBytes
		}
		if r.gpuBytes != nil {
			gpuMem += *r.gpuBytes
			onGPU = true
		}
	}
	c := procColumns[v.sortCol]
	slices.SortStableFunc(v.rows, func(a, b procRow) int {
		if v.desc {
			return c.cmp(b, a, v.perCore)
		}
		return c.cmp(a, b, v.perCore)
	})
	u := v.units()
	gpuText := format.NA // no process with known GPU memory: no GPU, or the driver does not say
	if onGPU {
		gpuText = u.Bytes(float64(gpuMem))
	}
	v.total.SetText(fmt.Sprintf("%d of %d processes   CPU %s   Memory %s   GPU memory %s",
		len(v.rows), len(v.all), format.Percent(cpu), u.Bytes(float64(mem)), gpuText))
	v.table.Refresh()
}

// confirmEnd asks before sending SIGTERM, names the process, and offers
// SIGKILL if it is still there a few seconds later.
func (v *processesView) confirmEnd() {
	if v.sel == nil {
		return
	}
	r := *v.sel
	what := fmt.Sprintf("%s (PID %d)", r.Name, r.PID)
	dialog.ShowConfirm("End process", "Ask "+what+" to quit (SIGTERM)?\nUnsaved work in it may be lost.", func(ok bool) {
		if !ok {
			return
		}
		if err := v.terminate(r.PID); err != nil {
			dialog.ShowError(err, v.win)
			return
		}
		v.detail.SetText("Sent SIGTERM to " + what + "; checking that it ended…")
		v.later(endGrace, func() {
			if !v.alive(r.PID) {
				v.detail.SetText(what + " has ended.")
				return
			}
			dialog.ShowConfirm("Still running", what+" is still running. Force it to stop (SIGKILL)?", func(ok bool) {
				if !ok {
					return
				}
				if err := v.kill(r.PID); err != nil {
					dialog.ShowError(err, v.win)
				}
			}, v.win)
		})
	}, v.win)
}
