package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"sysmon/format"
	"sysmon/jobs"
	"sysmon/procs"
	"sysmon/runs"
	"sysmon/sampler"
	"sysmon/ui/chart"
)

// viewState is what the renderer needs to know about the window, read on the
// UI thread and then used off it.
type viewState struct {
	visible  bool
	selected string
	scale    float32
	palette  chart.Palette
	spark    map[string][2]int // pixel size of each sparkline by item id
	big      [2]int
	small    [][2]int
	span     time.Duration
}

// frame is one tick's rendered output, applied on the UI thread.
type frame struct {
	items    []item
	spark    map[string]image.Image
	big      image.Image
	small    []image.Image
	header   string
	banner   string
	bannerOK bool
}

// renderMu keeps one update at a time: a tick and a click can both ask.
var renderMu sync.Mutex

// update turns a Sample into pixels: read the view state on the UI thread,
// render off it, then apply the result on the UI thread. Nothing is rendered
// for a view that is not showing.
func (u *UI) update(s *sampler.Sample) {
	renderMu.Lock()
	defer renderMu.Unlock()
	var st viewState
	u.doAndWait(func() { st = u.viewState() })
	f := frame{header: headerText(s)}
	f.banner, f.bannerOK = gpuBanner(s.GPU, u.unitsNow())
	if st.visible {
		f = u.render(s, st, f)
	}
	u.doAndWait(func() { u.apply(f, s) })
}

func (u *UI) viewState() viewState {
	st := viewState{
		visible:  !u.hidden.Load() && u.tabs.Selected() == u.perfTab,
		selected: u.perf.selected,
		scale:    1,
		palette:  currentPalette(u.app),
		spark:    map[string][2]int{},
		span:     u.perf.span,
	}
	if c := u.win.Canvas(); c != nil {
		st.scale = c.Scale()
	}
	for id, e := range u.perf.entries {
		w, h := e.spark.pixels(st.scale)
		st.spark[id] = [2]int{w, h}
	}
	w, h := u.perf.big.pixels(st.scale)
	st.big = [2]int{w, h}
	for _, b := range u.perf.smallBox {
		w, h := b.pixels(st.scale)
		st.small = append(st.small, [2]int{w, h})
	}
	return st
}

func (u *UI) render(s *sampler.Sample, st viewState, f frame) frame {
	h := u.opts.Sampler.History()
	step := u.opts.Sampler.Interval()
	f.items = buildItems(s, h, u.unitsNow())
	f.spark = map[string]image.Image{}
	for _, it := range f.items {
		size, ok := st.spark[it.id]
		if !ok {
			continue // a new entry: drawn next tick, once it has a size
		}
		f.spark[it.id] = chart.Render(chart.Spec{Width: size[0], Height: size[1], Scale: st.scale,
			Lines: tailLines(it.lines, sparkPoints), Palette: st.palette, Max: it.max, Base: it.base})
		if it.id != st.selected {
			continue
		}
		points := int(st.span/step) + 1
		f.big = chart.Render(chart.Spec{Width: st.big[0], Height: st.big[1], Scale: st.scale,
			Lines: tailLines(it.lines, points), Palette: st.palette, Max: it.max, Base: it.base, Label: it.label, Step: step, Axes: true})
		for i, sc := range it.small {
			if i >= len(st.small) {
				break // charts added this tick get a size at the next layout
			}
			f.small = append(f.small, chart.Render(chart.Spec{Width: st.small[i][0], Height: st.small[i][1],
				Scale: st.scale, Palette: st.palette, Max: sc.max, Label: sc.label, Step: step, Axes: sc.axes,
				Lines: tailLines(sc.lines, points)}))
		}
	}
	return f
}

// tailLines keeps the newest n values of each line.
func tailLines(lines []chart.Line, n int) []chart.Line {
	out := make([]chart.Line, len(lines))
	for i, l := range lines {
		out[i] = chart.Line{Values: tail(l.Values, n), Color: l.Color, Fill: l.Fill}
	}
	return out
}

func (u *UI) apply(f frame, s *sampler.Sample) {
	u.nap.tick(u.win)
	if u.tray != nil {
		u.tray.update(s, u.unitsNow(), u.hidden.Load())
	}
	if u.hidden.Load() {
		return
	}
	if u.runs != nil && u.tabs.Selected() == u.runsTab {
		label, since, on := u.opts.Active.Current()
		u.runs.showRecording(label, since, on, time.Now())
	}
	setText(u.header, f.header)
	u.afk.set(s.Idle, s.Time)
	importance := widget.WarningImportance
	if f.bannerOK {
		importance = widget.SuccessImportance
	}
	if u.banner.Text != f.banner || u.banner.Importance != importance {
		u.banner.Importance = importance
		u.banner.SetText(f.banner)
	}
	if f.items == nil {
		return
	}
	u.perf.setItems(f.items)
	for id, img := range f.spark {
		if e := u.perf.entries[id]; e != nil {
			e.spark.show(img)
		}
	}
	if f.big != nil {
		u.perf.big.show(f.big)
	}
	for i, img := range f.small {
		if i < len(u.perf.smallBox) {
			u.perf.smallBox[i].show(img)
		}
	}
}

func headerText(s *sampler.Sample) string {
	if s.Host == nil {
		return "sysmon"
	}
	h := s.Host
	return fmt.Sprintf("%s  ·  %s %s  ·  kernel %s  ·  up %s", h.Hostname, h.Platform, h.PlatformVersion, h.Kernel,
		format.Duration(h.UptimeSeconds))
}

func tail(v []float64, n int) []float64 {
	if len(v) <= n {
		return v
	}
	return v[len(v)-n:]
}

// Quit closes the app from any goroutine (a signal handler, say).
func (u *UI) Quit() { u.do(u.app.Quit) }

// do runs fn on the UI thread, waking it if it naps (nap.go); bridge.go is
// the one place that hands the UI thread work.
func (u *UI) do(fn func()) {
	u.nap.poke()
	fyne.Do(fn)
}

// doAndWait is do, returning once fn has run.
func (u *UI) doAndWait(fn func()) {
	u.nap.poke()
	fyne.DoAndWait(fn)
}

// consoleRedraw is the shortest time between two redraws of the Console tab:
// a child printing a million lines a second costs at most ten redraws.
const consoleRedraw = 100 * time.Millisecond

// followConsole redraws the Console tab when the buffer changes, coalescing
// bursts, until ctx is done.
func (u *UI) followConsole(ctx context.Context) {
	changed, cancel := u.opts.Console.Subscribe()
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		u.do(func() {
			if u.tabs.Selected() == u.consoleTab {
				u.console.refresh()
			}
		})
		select {
		case <-ctx.Done():
			return
		case <-time.After(consoleRedraw):
		}
	}
}

// later runs fn on the UI thread after d, unless the app has stopped.
func (u *UI) later(d time.Duration, fn func()) {
	go func() {
		select {
		case <-time.After(d):
			u.do(fn)
		case <-u.stopped:
		}
	}()
}

// processScanEvery is the Processes tab's refresh: slower than the charts,
// since a full scan costs far more than one sample.
const processScanEvery = 2 * time.Second

// tabPoll refreshes a tab on its own clock, and only while it shows.
type tabPoll struct {
	shown atomic.Bool
	kick  chan struct{} // refresh now: the tab just appeared
}

func newTabPoll() tabPoll { return tabPoll{kick: make(chan struct{}, 1)} }

// setShown records whether the tab shows; a tab just shown refreshes at once.
func (p *tabPoll) setShown(shown bool) {
	p.shown.Store(shown)
	if shown {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}

// poll calls refresh every period while p's tab shows in a window that is
// not hidden, and at once when the tab appears, until ctx is done.
func (u *UI) poll(ctx context.Context, p *tabPoll, every time.Duration, refresh func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.kick:
		}
		if p.shown.Load() && !u.hidden.Load() {
			refresh()
		}
	}
}

// followProcesses scans the process table while the Processes tab shows,
// joins each process with its GPU memory, and hands the rows to the view.
func (u *UI) followProcesses(ctx context.Context) {
	scanner := procs.NewScanner()
	u.poll(ctx, &u.procPoll, processScanEvery, func() {
		list, err := scanner.Scan(ctx)
		if err != nil {
			slog.Warn("process scan failed", "err", err)
			return
		}
		gpuMem := gpuMemoryByPID(u.opts.Sampler.History().Latest())
		u.do(func() { u.procs.show(list, gpuMem) })
	})
}

// gpuMemoryByPID sums each process's VRAM over all GPUs. A process on a GPU
// whose VRAM NVML could not report maps to nil: shown as "n/a", never 0.
func gpuMemoryByPID(s *sampler.Sample) map[int32]*uint64 {
	out := map[int32]*uint64{}
	if s == nil || s.GPU == nil {
		return out
	}
	for _, d := range s.GPU.Devices {
		for _, p := range d.Processes {
			pid := int32(p.PID)
			sum, seen := out[pid]
			switch {
			case p.MemoryUsedBytes == nil:
				if !seen {
					out[pid] = nil
				}
			case sum == nil:
				v := *p.MemoryUsedBytes
				out[pid] = &v
			default:
				*sum += *p.MemoryUsedBytes
			}
		}
	}
	return out
}

// loadRuns reads the run list off the UI thread and shows it.
func (u *UI) loadRuns() {
	go func() {
		list, err := u.opts.Runs.List(context.Background())
		if err != nil {
			slog.Error("runs: list", "err", err)
			return
		}
		u.do(func() { u.runs.showList(list) })
	}()
}

// compareRuns reads the picked runs and their series off the UI thread,
// renders the overlay chart there, and shows the comparison.
func (u *UI) compareRuns() {
	ids := u.runs.pickedIDs()
	if len(ids) < 2 {
		u.runs.showCompare(nil, nil, "Pick two or more runs in the list to compare them.")
		return
	}
	metric := u.runs.metric.Selected
	var st viewState
	st.scale, st.palette = u.win.Canvas().Scale(), currentPalette(u.app)
	w, h := u.runs.overlay.pixels(st.scale)
	go func() {
		ctx := context.Background()
		var list []runs.Summary
		var series [][]runs.Point
		var legend []string
		for i, id := range ids {
			r, err := u.opts.Runs.Get(ctx, id)
			if err != nil {
				slog.Error("runs: get", "id", id, "err", err)
				return
			}
			pts, err := u.opts.Runs.Series(ctx, id)
			if err != nil {
				slog.Error("runs: series", "id", id, "err", err)
				return
			}
			list, series = append(list, r), append(series, pts)
			legend = append(legend, fmt.Sprintf("%s: #%d %s", colorNames[i%len(colorNames)], r.ID, r.Label))
		}
		lines, top, label := overlayLines(series, metric)
		img := chart.Render(chart.Spec{Width: w, Height: h, Scale: st.scale, Palette: st.palette, Lines: lines,
			Max: top, Label: label, Step: time.Second, Axes: true, Elapsed: true})
		rows := runs.Compare(list...)
		u.do(func() { u.runs.showCompare(rows, img, strings.Join(legend, "   ")) })
	}()
}

// colorNames name runColors for the legend.
var colorNames = []string{"blue", "green", "orange", "pink", "teal", "purple"}

// jobsRefresh is how often the Jobs tab rereads the queue while it shows:
// the daemon or a `sysmon queue` command may change it at any time.
const jobsRefresh = 2 * time.Second

// followJobs rereads the job queue while the Jobs tab shows.
func (u *UI) followJobs(ctx context.Context) {
	u.poll(ctx, &u.jobsPoll, jobsRefresh, func() { u.loadJobs(ctx) })
}

// loadJobs reads the queue (pending and running jobs, then those that
// ended) and who schedules it, and shows them; any goroutine but the UI's.
func (u *UI) loadJobs(ctx context.Context) {
	list, err := u.opts.Jobs.Queue().List(ctx, true)
	if err != nil {
		slog.Error("jobs: list", "err", err)
		return
	}
	who := "This window runs the queue."
	if mine, holder := u.opts.Jobs.Scheduling(); !mine {
		who = "This window shows and edits the queue; " + schedulerName(holder) + " runs it."
	}
	u.do(func() { u.jobs.show(list, who) })
}

// schedulerName says who runs the queue when this window does not.
func schedulerName(holder string) string {
	if holder == "" {
		return "no sysmon"
	}
	return holder
}

// jobActions carry out the Jobs tab's buttons off the UI thread; errors are
// shown in a dialog, and the list is reread after each.
func (u *UI) jobActions() jobActions {
	q := func() *jobs.Queue { return u.opts.Jobs.Queue() }
	do := func(what string, f func(ctx context.Context) error) {
		go func() {
			ctx := context.Background()
			if err := f(ctx); err != nil {
				u.do(func() { dialog.ShowError(fmt.Errorf("%s: %w", what, err), u.win) })
			}
			u.loadJobs(ctx)
		}()
	}
	return jobActions{
		add: func(j jobs.Job) {
			do("add job", func(ctx context.Context) error {
				added, err := q().Add(ctx, j)
				if err == nil {
					slog.Info("job queued", "job", added.ID, "name", added.Name)
				}
				return err
			})
		},
		runNow: func(id int64) { do("run now", func(ctx context.Context) error { return q().RunNow(ctx, id) }) },
		cancel: func(id int64) {
			do("cancel job", func(ctx context.Context) error { _, err := q().Cancel(ctx, id); return err })
		},
		move: func(id int64, by int) {
			do("move job", func(ctx context.Context) error {
				list, err := q().List(ctx, false)
				if err != nil {
					return err
				}
				place := 0
				for _, j := range list {
					if j.State.Pending() {
						place++
						if j.ID == id {
							_, err := q().Move(ctx, id, max(1, place+by))
							return err
						}
					}
				}
				return errors.New("only a job that has not started can be moved")
			})
		},
		log: func(id int64) {
			do("job log", func(ctx context.Context) error {
				j, err := q().Get(ctx, id)
				if err != nil {
					return err
				}
				text, err := tailFile(j.LogPath, jobLogTail)
				if err != nil {
					return err
				}
				u.do(func() { u.jobs.showLog(j, text) })
				return nil
			})
		},
	}
}
