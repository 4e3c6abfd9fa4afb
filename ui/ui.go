// Package ui is sysmon's window: one file per tab, the chart rendering in
// ui/chart, and bridge.go, the one place where sampler data crosses onto the
// Fyne UI thread.
package ui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"sysmon/console"
	"sysmon/format"
	"sysmon/idle"
	"sysmon/jobs"
	"sysmon/runs"
	"sysmon/sampler"
	"sysmon/settings"
)

// Options wire the window to the rest of sysmon.
type Options struct {
	Sampler *sampler.Sampler
	Tracker *idle.Tracker
	// Console is the mirrored output shown in the Console tab.
	Console *console.Buffer
	// Settings are in force at start (stored preferences with command-line
	// flags applied); Store keeps them when the user changes them.
	Settings settings.Settings
	Store    settings.Store
	// TrayPresent says whether a tray host really runs; without one, closing
	// the window quits rather than hiding it where nobody can get it back.
	TrayPresent bool
	// SetMetrics starts, moves or stops the Prometheus endpoint.
	SetMetrics func(on bool, addr string) error
	// Runs is the database of recorded runs and Active the one being
	// recorded; both nil when the database could not be opened.
	Runs   *runs.Store
	Active *runs.Active
	// Jobs is the idle job queue; nil when it could not be opened.
	Jobs *jobs.Service
}

// UI is the main window and its views.
type UI struct {
	app  fyne.App
	win  fyne.Window
	opts Options

	cfg    settings.Settings // UI thread only
	units  atomic.Int32      // format.Units, read by the renderer
	hidden atomic.Bool       // the window is hidden to the tray

	header      *widget.Label
	banner      *widget.Label
	afk         *afkChip
	tabs        *container.AppTabs
	perfTab     *container.TabItem
	perf        *performanceView
	console     *consoleView
	consoleTab  *container.TabItem
	settingsTab *container.TabItem
	procs       *processesView
	procsTab    *container.TabItem
	runs        *runsView
	runsTab     *container.TabItem
	jobs        *jobsView
	jobsTab     *container.TabItem
	tray        *trayMenu
	nap         *napper

	procPoll, jobsPoll tabPoll       // the Processes and Jobs tabs refresh only while shown
	stopped            chan struct{} // closed when the app stops
}

// New builds the window; it shows data once Start is called.
func New(app fyne.App, opts Options) *UI {
	u := &UI{app: app, opts: opts, cfg: opts.Settings, perf: newPerformanceView(), afk: newAFKChip(),
		procPoll: newTabPoll(), jobsPoll: newTabPoll(), stopped: make(chan struct{})}
	u.nap = newNapper(u.hidden.Load, u.stopped)
	u.units.Store(int32(opts.Settings.Units))
	app.Settings().SetTheme(themeFor(opts.Settings.Theme))
	u.win = app.NewWindow("sysmon")
	u.header = widget.NewLabel("")
	u.header.Truncation = fyne.TextTruncateEllipsis
	u.header.Importance = widget.LowImportance
	u.banner = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	u.banner.Truncation = fyne.TextTruncateEllipsis
	u.perfTab = container.NewTabItem("Performance", u.perf.content)
	u.console = newConsoleView(u.win, opts.Console, opts.Settings.Hide)
	u.consoleTab = container.NewTabItem("Console", u.console.content)
	u.procs = newProcessesView(u.win, u.unitsNow, u.later)
	u.procsTab = container.NewTabItem("Processes", u.procs.content)
	var runsContent fyne.CanvasObject = widget.NewLabel("Runs are not recorded: the runs database could not be opened (see the Console tab).")
	if opts.Runs != nil {
		u.runs = newRunsView(u.startRun, u.stopRun, u.compareRuns, u.exportRuns)
		runsContent = u.runs.content
	}
	u.runsTab = container.NewTabItem("Runs", runsContent)
	var jobsContent fyne.CanvasObject = widget.NewLabel("The job queue is unavailable: the runs database could not be opened (see the Console tab).")
	if opts.Jobs != nil {
		u.jobs = newJobsView(u.win, u.jobActions())
		jobsContent = u.jobs.content
	}
	u.jobsTab = container.NewTabItem("Jobs", jobsContent)
	sv := newSettingsView(u.applySettings)
	sv.show(opts.Settings)
	u.settingsTab = container.NewTabItem("Settings", sv.content)
	u.tabs = container.NewAppTabs(u.perfTab, u.procsTab, u.runsTab, u.jobsTab, u.consoleTab, u.settingsTab)
	u.tabs.OnSelected = func(t *container.TabItem) {
		// Hidden views are not redrawn; bring the one just shown up to date.
		u.procPoll.setShown(t == u.procsTab)
		u.jobsPoll.setShown(t == u.jobsTab && u.jobs != nil)
		switch {
		case t == u.procsTab || t == u.jobsTab:
			// Their pollers refresh them.
		case t == u.runsTab && u.runs != nil:
			u.loadRuns()
		case t == u.consoleTab:
			u.console.refresh()
		default:
			if s := u.opts.Sampler.History().Latest(); s != nil {
				go u.update(s)
			}
		}
	}
	u.win.SetContent(container.NewBorder(
		container.NewBorder(nil, nil, nil, container.NewCenter(u.afk.box), container.NewVBox(u.banner, u.header)),
		nil, nil, nil, u.tabs))
	u.win.Resize(fyne.NewSize(1100, 720))
	u.win.SetMaster()
	if opts.TrayPresent {
		u.tray = newTrayMenu(app, u.toggleWindow)
	}
	u.win.SetCloseIntercept(func() {
		if u.tray != nil && u.cfg.CloseToTray {
			u.setHidden(true)
			return
		}
		u.app.Quit()
	})
	return u
}

// Run opens the window, or leaves it in the tray when the settings ask to
// start minimized and there is a tray to start in; then it runs the app
// until it quits.
func (u *UI) Run() {
	if u.tray != nil && u.cfg.StartMinimized {
		u.hidden.Store(true)
		u.app.Run()
		return
	}
	u.win.ShowAndRun()
}

func (u *UI) toggleWindow() { u.setHidden(!u.hidden.Load()) }

// setHidden hides the window to the tray or shows it again; UI thread only.
func (u *UI) setHidden(hide bool) {
	u.hidden.Store(hide)
	if hide {
		u.win.Hide()
		return
	}
	u.nap.touch()
	u.win.Show()
	u.win.RequestFocus()
	if s := u.opts.Sampler.History().Latest(); s != nil {
		go u.update(s)
	}
}

// applySettings validates, stores and applies new settings live; on any
// error nothing changes. UI thread only.
func (u *UI) applySettings(s settings.Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if s.StartAtLogin != u.cfg.StartAtLogin {
		exe, err := os.Executable()
		if err == nil {
			err = settings.SetStartAtLogin(s.StartAtLogin, exe)
		}
		if err != nil {
			return err
		}
	}
	if u.opts.SetMetrics != nil && (s.Metrics != u.cfg.Metrics || s.MetricsAddr != u.cfg.MetricsAddr) {
		if err := u.opts.SetMetrics(s.Metrics, s.MetricsAddr); err != nil {
			return err
		}
	}
	if err := settings.Save(u.opts.Store, s); err != nil {
		return err
	}
	if err := u.opts.Sampler.SetInterval(s.Interval, s.History); err != nil {
		return err
	}
	if u.opts.Tracker != nil {
		u.opts.Tracker.SetThreshold(s.AFKAfter)
	}
	u.opts.Console.SetMaxLines(s.ConsoleLines)
	u.console.setHide(s.Hide)
	if s.Theme != u.cfg.Theme {
		u.app.Settings().SetTheme(themeFor(s.Theme))
	}
	u.units.Store(int32(s.Units))
	u.cfg = s
	slog.Info("settings applied", "interval", s.Interval, "history", s.History, "afk_after", s.AFKAfter)
	return nil
}

// Start feeds the window from the sampler until ctx is done or the app
// stops: nothing may be handed to the UI thread once it has gone.
func (u *UI) Start(ctx context.Context) {
	ctx, stop := context.WithCancel(ctx)
	u.app.Lifecycle().SetOnStopped(func() {
		stop()
		close(u.stopped)
	})
	ch, cancel := u.opts.Sampler.Subscribe()
	u.perf.onSelect = func(string) {
		// Redraw the new selection at once rather than at the next tick.
		if s := u.opts.Sampler.History().Latest(); s != nil {
			go u.update(s)
		}
	}
	go u.followConsole(ctx)
	go u.followProcesses(ctx)
	if u.jobs != nil {
		go u.followJobs(ctx)
	}
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-ch:
				u.update(s)
			}
		}
	}()
}

func (u *UI) unitsNow() format.Units { return format.Units(u.units.Load()) }

// startRun starts recording a run labelled label; UI thread only.
func (u *UI) startRun(label string) {
	if label == "" {
		dialog.ShowInformation("Start run", "Give the run a label first, e.g. the model and quantization.", u.win)
		return
	}
	if err := u.opts.Active.Start(label, nil, nil); err != nil {
		dialog.ShowError(fmt.Errorf("start run: %w", err), u.win)
		return
	}
	u.runs.showRecording(label, time.Now(), true, time.Now())
	u.loadRuns()
}

// stopRun finishes the run being recorded; UI thread only.
func (u *UI) stopRun() {
	if _, _, err := u.opts.Active.Stop(nil); err != nil {
		dialog.ShowError(fmt.Errorf("stop run: %w", err), u.win)
	}
	u.runs.showRecording("", time.Time{}, false, time.Now())
	u.loadRuns()
}

// exportRuns saves the picked runs (all when none is picked) as CSV.
func (u *UI) exportRuns() {
	ids := u.runs.pickedIDs()
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("export runs: %w", err), u.win)
			return
		}
		if w == nil {
			return // cancelled
		}
		go func() {
			defer w.Close()
			err := u.opts.Runs.ExportCSV(context.Background(), w, ids...)
			u.later(0, func() {
				if err != nil {
					dialog.ShowError(fmt.Errorf("export runs: %w", err), u.win)
				}
			})
		}()
	}, u.win)
	d.SetFileName("sysmon-runs.csv")
	d.Show()
}
