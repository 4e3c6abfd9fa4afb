// Package ui is sysmon's window: one file per tab, the chart rendering in
// ui/chart, and bridge.go, the one place where sampler data crosses onto the
// Fyne UI thread.
package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"sysmon/console"
	"sysmon/format"
	"sysmon/sampler"
)

// Options wire the window to the rest of sysmon.
type Options struct {
	Sampler *sampler.Sampler
	Units   format.Units
	// Console is the mirrored output shown in the Console tab; Hide is the
	// comma-separated list of strings whose lines it hides at first.
	Console *console.Buffer
	Hide    string
}

// UI is the main window and its views.
type UI struct {
	app  fyne.App
	win  fyne.Window
	opts Options

	header     *widget.Label
	banner     *widget.Label
	afk        *afkChip
	tabs       *container.AppTabs
	perfTab    *container.TabItem
	perf       *performanceView
	console    *consoleView
	consoleTab *container.TabItem
}

// New builds the window; it shows data once Start is called.
func New(app fyne.App, opts Options) *UI {
	u := &UI{app: app, opts: opts, perf: newPerformanceView(), afk: newAFKChip()}
	u.win = app.NewWindow("sysmon")
	u.header = widget.NewLabel("")
	u.header.Truncation = fyne.TextTruncateEllipsis
	u.header.Importance = widget.LowImportance
	u.banner = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	u.banner.Truncation = fyne.TextTruncateEllipsis
	u.perfTab = container.NewTabItem("Performance", u.perf.content)
	u.console = newConsoleView(u.win, opts.Console, opts.Hide)
	u.consoleTab = container.NewTabItem("Console", u.console.content)
	u.tabs = container.NewAppTabs(u.perfTab, u.consoleTab)
	u.tabs.OnSelected = func(t *container.TabItem) {
		// Hidden views are not redrawn; bring the one just shown up to date.
		if t == u.consoleTab {
			u.console.refresh()
		} else if s := u.opts.Sampler.History().Latest(); s != nil {
			go u.update(s)
		}
	}
	u.win.SetContent(container.NewBorder(
		container.NewBorder(nil, nil, nil, container.NewCenter(u.afk.box), container.NewVBox(u.banner, u.header)),
		nil, nil, nil, u.tabs))
	u.win.Resize(fyne.NewSize(1100, 720))
	u.win.SetMaster()
	return u
}

// Window returns the main window.
func (u *UI) Window() fyne.Window { return u.win }

// Start feeds the window from the sampler until ctx is done.
func (u *UI) Start(ctx context.Context) {
	ch, cancel := u.opts.Sampler.Subscribe()
	u.perf.onSelect = func(string) {
		// Redraw the new selection at once rather than at the next tick.
		if s := u.opts.Sampler.History().Latest(); s != nil {
			go u.update(s)
		}
	}
	go u.followConsole(ctx)
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
