package ui

import (
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// performanceView is the Task-Manager-like tab: a side list of resources,
// each with a sparkline and its current value, and a large chart with
// details for the selected one.
type performanceView struct {
	onSelect func(id string)

	list     *fyne.Container
	entries  map[string]*sideEntry
	order    []string
	selected string

	title    *widget.Label
	subtitle *widget.Label
	big      *chartBox
	legend   *widget.Label
	stats    *statsGrid
	detail   *container.Scroll
	span     time.Duration // how much history the large chart shows

	small     *fyne.Container
	smallBox  []*chartBox
	smallText []*widget.Label
	smallAxes bool

	content fyne.CanvasObject
}

func newPerformanceView() *performanceView {
	p := &performanceView{
		entries:  map[string]*sideEntry{},
		list:     container.NewVBox(),
		title:    widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		subtitle: widget.NewLabel(""),
		big:      newChartBox(fyne.NewSize(400, 220), false),
		legend:   widget.NewLabel(""),
		stats:    newStatsGrid(),
		span:     time.Minute,
		small:    container.NewGridWrap(fyne.NewSize(170, 90)),
	}
	p.subtitle.Truncation = fyne.TextTruncateEllipsis
	p.legend.Importance = widget.LowImportance
	spans := map[string]time.Duration{"1 minute": time.Minute, "5 minutes": 5 * time.Minute, "10 minutes": 10 * time.Minute}
	spanSel := widget.NewSelect([]string{"1 minute", "5 minutes", "10 minutes"}, func(v string) {
		p.span = spans[v]
		if p.onSelect != nil {
			p.onSelect(p.selected)
		}
	})
	spanSel.SetSelected("1 minute")
	header := container.NewBorder(nil, nil, p.title, spanSel, p.subtitle)
	p.detail = container.NewVScroll(container.NewVBox(p.small, p.stats.content))
	detail := p.detail
	right := container.NewBorder(header, nil, nil, nil,
		container.NewVSplit(container.NewBorder(nil, p.legend, nil, nil, p.big), detail))
	side := container.NewVScroll(p.list)
	split := container.NewHSplit(side, right)
	split.Offset = 0.3
	p.content = split
	return p
}

// setItems updates the side list and the detail from freshly built items;
// UI thread only.
func (p *performanceView) setItems(items []item) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	if !slices.Equal(ids, p.order) {
		p.rebuildList(items)
	}
	for _, it := range items {
		e := p.entries[it.id]
		setText(e.title, it.title)
		setText(e.value, it.value)
		if it.id == p.selected {
			p.showDetail(it)
		}
	}
}

func (p *performanceView) rebuildList(items []item) {
	old := p.entries
	p.entries = map[string]*sideEntry{}
	p.order = p.order[:0]
	p.list.RemoveAll()
	for _, it := range items {
		e := old[it.id]
		if e == nil {
			id := it.id
			e = newSideEntry(func() { p.selectID(id) })
		}
		p.entries[it.id] = e
		p.order = append(p.order, it.id)
		p.list.Add(e)
	}
	if _, ok := p.entries[p.selected]; !ok && len(items) > 0 {
		p.selectID(items[0].id)
	}
}

func (p *performanceView) selectID(id string) {
	if p.selected == id {
		return
	}
	p.selected = id
	for eid, e := range p.entries {
		e.setSelected(eid == id)
	}
	p.stats.set(nil)
	p.ensureSmall(0, false)
	p.detail.ScrollToTop()
	if p.onSelect != nil {
		p.onSelect(id)
	}
}

func (p *performanceView) showDetail(it item) {
	axes := len(it.small) > 0 && it.small[0].axes
	p.ensureSmall(len(it.small), axes)
	for i, sc := range it.small {
		setText(p.smallText[i], sc.caption)
	}
	setText(p.title, it.title)
	setText(p.subtitle, it.subtitle)
	setText(p.legend, it.legend)
	p.stats.set(it.stats)
}

// statsGrid shows name/value pairs in two columns, filling the left first,
// so a detail view needs half the height.
type statsGrid struct {
	cols    [2]*widget.Form
	content fyne.CanvasObject
}

func newStatsGrid() *statsGrid {
	g := &statsGrid{cols: [2]*widget.Form{widget.NewForm(), widget.NewForm()}}
	g.content = container.NewGridWithColumns(2, g.cols[0], g.cols[1])
	return g
}

// set shows stats, rebuilding the rows only when their number or names
// change; UI thread only.
func (g *statsGrid) set(stats [][2]string) {
	half := (len(stats) + 1) / 2
	parts := [2][][2]string{stats[:half], stats[half:]}
	for c, f := range g.cols {
		rows := parts[c]
		if len(f.Items) != len(rows) {
			f.Items = nil
			for _, kv := range rows {
				v := widget.NewLabel(kv[1])
				v.Truncation = fyne.TextTruncateEllipsis
				f.Append(kv[0], v)
			}
			f.Refresh()
			continue
		}
		renamed := false
		for i, kv := range rows {
			if f.Items[i].Text != kv[0] {
				f.Items[i].Text = kv[0]
				renamed = true
			}
			setText(f.Items[i].Widget.(*widget.Label), kv[1])
		}
		if renamed {
			f.Refresh()
		}
	}
}

// setText changes a label only when its text differs: every Refresh costs a
// text shaping pass and a redraw, and most values hold still between ticks.
func setText(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

// ensureSmall keeps n small charts under the large one: plain ones for the
// cores, larger ones with axes for a GPU's VRAM, temperature and power.
func (p *performanceView) ensureSmall(n int, axes bool) {
	if len(p.smallBox) == n && p.smallAxes == axes {
		return
	}
	p.small.RemoveAll()
	p.smallBox, p.smallText, p.smallAxes = nil, nil, axes
	cell := fyne.NewSize(170, 90)
	if axes {
		// Three across in the default window: VRAM, temperature, power.
		cell = fyne.NewSize(245, 170)
	}
	p.small.Layout = layout.NewGridWrapLayout(cell)
	for range n {
		box := newChartBox(fyne.NewSize(cell.Width-10, cell.Height-34), !axes)
		text := widget.NewLabel("")
		text.Truncation = fyne.TextTruncateEllipsis
		p.smallBox = append(p.smallBox, box)
		p.smallText = append(p.smallText, text)
		p.small.Add(container.NewBorder(text, nil, nil, nil, box))
	}
	p.small.Hidden = n == 0
	p.small.Refresh()
}

// sideEntry is one row of the side list: a sparkline, a title and the
// current value; tapping it selects it.
type sideEntry struct {
	widget.BaseWidget
	spark    *chartBox
	title    *widget.Label
	value    *widget.Label
	bg       *canvas.Rectangle
	onTapped func()
}

func newSideEntry(onTapped func()) *sideEntry {
	e := &sideEntry{
		spark:    newChartBox(fyne.NewSize(72, 40), true),
		title:    widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		value:    widget.NewLabel(""),
		bg:       canvas.NewRectangle(theme.Color(theme.ColorNameSelection)),
		onTapped: onTapped,
	}
	e.value.Truncation = fyne.TextTruncateEllipsis
	e.bg.Hide()
	e.ExtendBaseWidget(e)
	return e
}

func (e *sideEntry) CreateRenderer() fyne.WidgetRenderer {
	text := container.New(layout.NewCustomPaddedVBoxLayout(0), e.title, e.value)
	row := container.NewBorder(nil, nil, container.NewPadded(e.spark), nil, text)
	return widget.NewSimpleRenderer(container.NewStack(e.bg, row))
}

func (e *sideEntry) Tapped(*fyne.PointEvent) {
	if e.onTapped != nil {
		e.onTapped()
	}
}

func (e *sideEntry) setSelected(on bool) {
	if on {
		e.bg.FillColor = theme.Color(theme.ColorNameSelection)
		e.bg.Show()
	} else {
		e.bg.Hide()
	}
	e.bg.Refresh()
}
