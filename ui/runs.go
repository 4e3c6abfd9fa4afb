package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"sysmon/format"
	"sysmon/runs"
	"sysmon/ui/chart"
)

// runsView is the Runs tab: start and stop a labelled run, the list of
// recorded runs, and two or more of them compared side by side, as a table
// with the better value of each row marked and as charts laid over each
// other on a time-from-start axis.
type runsView struct {
	label    *widget.Entry
	startBtn *widget.Button
	status   *widget.Label
	table    *widget.Table
	list     []runs.Summary
	picked   map[int64]bool
	compare  *widget.Table
	rows     []runs.Row
	metric   *widget.Select
	overlay  *chartBox
	legend   *widget.Label
	content  fyne.CanvasObject
}

// overlayMetrics are the series a comparison chart can lay over each other.
var overlayMetrics = []string{"Tokens/s", "GPU utilization", "GPU power", "VRAM used", "CPU"}

// runColors tell overlaid runs apart.
var runColors = []color.NRGBA{colorCPU, colorGPU, colorWrite, colorRx, colorTx, colorMemory}

var runColumns = []string{"", "ID", "Label", "Started", "Duration", "State", "Tokens/s", "J/token", "Energy", "VRAM peak", "CPU avg", "GPU avg"}

func newRunsView(onStart func(label string), onStop, onCompare, onExport func()) *runsView {
	v := &runsView{label: widget.NewEntry(), status: widget.NewLabel(""), picked: map[int64]bool{},
		legend: widget.NewLabel(""), overlay: newChartBox(fyne.NewSize(500, 220), false)}
	v.label.SetPlaceHolder("Label, e.g. llama3 8B Q4_K_M")
	v.startBtn = widget.NewButton("Start run", func() {
		// The button says Stop run while a run records.
		if v.startBtn.Text == "Stop run" {
			onStop()
			return
		}
		onStart(strings.TrimSpace(v.label.Text))
	})
	v.startBtn.Importance = widget.HighImportance
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.list), len(runColumns) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(v.list) {
				setText(o.(*widget.Label), v.cell(v.list[id.Row], id.Col))
			}
		})
	v.table.ShowHeaderColumn = false
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(runColumns[id.Col])
		}
	}
	for i, w := range []float32{34, 50, 200, 130, 80, 90, 80, 80, 80, 90, 75, 75} {
		v.table.SetColumnWidth(i, w)
	}
	v.table.OnSelected = func(id widget.TableCellID) {
		// A click picks or unpicks the run for comparison.
		if id.Row < len(v.list) {
			rid := v.list[id.Row].ID
			v.picked[rid] = !v.picked[rid]
			v.table.Refresh()
		}
		v.table.UnselectAll()
	}
	v.compare = widget.NewTableWithHeaders(
		func() (int, int) {
			if len(v.rows) == 0 {
				return 0, 0
			}
			return len(v.rows), len(v.rows[0].Cells) + 1
		},
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id.Row >= len(v.rows) {
				return
			}
			r := v.rows[id.Row]
			if id.Col == 0 {
				l.TextStyle.Bold = true
				setText(l, r.Name)
				return
			}
			c := r.Cells[id.Col-1]
			l.TextStyle.Bold = c.Best
			l.Importance = widget.MediumImportance
			if c.Best {
				l.Importance = widget.SuccessImportance
			}
			text := r.Format(c, format.Binary)
			if c.Best {
				text += "  ✓"
			}
			l.SetText(text)
		})
	v.compare.ShowHeaderRow, v.compare.ShowHeaderColumn = false, false
	v.compare.SetColumnWidth(0, 160)
	v.metric = widget.NewSelect(overlayMetrics, nil)
	v.metric.SetSelected(overlayMetrics[0])
	v.metric.OnChanged = func(string) { onCompare() }
	buttons := container.NewHBox(
		widget.NewButton("Compare picked", onCompare),
		widget.NewButton("Export picked to CSV…", onExport),
	)
	top := container.NewBorder(nil, nil, nil, container.NewHBox(v.startBtn), v.label)
	listPane := container.NewBorder(container.NewVBox(top, v.status,
		widget.NewLabel("Click runs to pick them (✓), then compare or export them.")), buttons, nil, nil, v.table)
	chartPane := container.NewBorder(container.NewBorder(nil, nil, nil, v.metric, v.legend), nil, nil, nil, v.overlay)
	comparePane := container.NewHSplit(v.compare, chartPane)
	comparePane.Offset = 0.45
	split := container.NewVSplit(listPane, comparePane)
	split.Offset = 0.5
	v.content = split
	return v
}

func (v *runsView) cell(r runs.Summary, col int) string {
	switch col {
	case 0:
		if v.picked[r.ID] {
			return "✓"
		}
		return ""
	case 1:
		return strconv.FormatInt(r.ID, 10)
	case 2:
		return r.Label
	case 3:
		return r.Start.Local().Format("Jan 2 15:04")
	case 4:
		return format.Duration(r.DurationSeconds)
	case 5:
		return string(r.State)
	case 6:
		return format.FloatPtr(r.TokensPerSecond, 1, "")
	case 7:
		return format.FloatPtr(r.JoulesPerToken, 3, "J")
	case 8:
		return format.FloatPtr(r.EnergyJoules, 0, "J")
	case 9:
		return format.BytesPtr(r.VRAMPeakBytes)
	case 10:
		return format.PercentPtr(r.CPUAvgPercent)
	case 11:
		return format.PercentPtr(r.GPUUtilAvgPercent)
	}
	return ""
}

// pickedIDs are the runs picked for comparison, in list order.
func (v *runsView) pickedIDs() []int64 {
	var ids []int64
	for _, r := range v.list {
		if v.picked[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// showList shows the runs from the database; UI thread only.
func (v *runsView) showList(list []runs.Summary) {
	v.list = list
	v.table.Refresh()
}

// showRecording says which run is recording; UI thread only.
func (v *runsView) showRecording(label string, since time.Time, on bool, now time.Time) {
	if !on {
		setText(v.status, "Not recording. A run keeps CPU, memory, GPU, energy and token figures for its time window.")
		v.startBtn.SetText("Start run")
		return
	}
	setText(v.status, fmt.Sprintf("Recording %q for %s", label, format.Duration(now.Sub(since).Seconds())))
	if v.startBtn.Text != "Stop run" {
		v.startBtn.SetText("Stop run")
	}
}

// showCompare shows a comparison and its overlay chart; UI thread only.
func (v *runsView) showCompare(rows []runs.Row, img image.Image, legend string) {
	v.rows = rows
	if len(rows) > 0 {
		for c := range rows[0].Cells {
			v.compare.SetColumnWidth(c+1, 140)
		}
	}
	v.compare.Refresh()
	v.overlay.show(img)
	v.legend.SetText(legend)
}

// overlayLines turns each run's points into a line on a one-second grid
// (the last value held between points), for laying runs over each other.
func overlayLines(series [][]runs.Point, metric string) (lines []chart.Line, max float64, label func(float64) string) {
	label = func(v float64) string { return fmt.Sprintf("%.0f", v) }
	switch metric {
	case "GPU utilization", "CPU":
		max, label = 100, percentLabel
	case "GPU power":
		label = func(v float64) string { return fmt.Sprintf("%.0f W", v) }
	case "VRAM used":
		label = format.Binary.Bytes
	case "Tokens/s":
		label = func(v float64) string { return fmt.Sprintf("%.0f tok/s", v) }
	}
	longest := 0.0
	for _, pts := range series {
		if len(pts) > 0 {
			longest = math.Max(longest, pts[len(pts)-1].Seconds)
		}
	}
	n := int(longest) + 2
	for i, pts := range series {
		sort.Slice(pts, func(a, b int) bool { return pts[a].Seconds < pts[b].Seconds })
		vals := make([]float64, n)
		for k := range vals {
			vals[k] = math.NaN()
		}
		for j, p := range pts {
			v, ok := pointValue(p, metric)
			if !ok {
				continue
			}
			end := n
			if j+1 < len(pts) {
				end = min(n, int(pts[j+1].Seconds))
			} else {
				end = min(n, int(p.Seconds)+1)
			}
			for k := int(p.Seconds); k < end; k++ {
				vals[k] = v
			}
		}
		lines = append(lines, chart.Line{Values: vals, Color: runColors[i%len(runColors)]})
	}
	return lines, max, label
}

func pointValue(p runs.Point, metric string) (float64, bool) {
	var v *float64
	switch metric {
	case "Tokens/s":
		v = p.TokensPerSecond
	case "GPU utilization":
		v = p.GPUUtilPercent
	case "GPU power":
		v = p.PowerWatts
	case "CPU":
		v = p.CPUPercent
	case "VRAM used":
		if p.VRAMUsedBytes != nil {
			return float64(*p.VRAMUsedBytes), true
		}
	}
	if v == nil {
		return 0, false
	}
	return *v, true
}
