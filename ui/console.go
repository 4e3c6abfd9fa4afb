package ui

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"sysmon/console"
)

// consoleView is the Console tab: the mirrored output of sysmon and of the
// child started with `sysmon run`, in a virtualized list that follows the
// tail, with search, a regex switch, a level filter and hidden strings.
type consoleView struct {
	win       fyne.Window
	buf       *console.Buffer
	view      *console.View
	list      *widget.List
	status    *widget.Label
	follow    *widget.Check
	hideEntry *widget.Entry
	// rows are the shown lines as of the last refresh. The list draws from
	// this copy, not from the live buffer, so a flood that evicts lines
	// between two redraws cannot leave rows blank.
	rows []console.Line
	// selected is the view index of the selected line, or -1.
	selected int
	content  fyne.CanvasObject
}

var levelNames = []string{"All levels", "Debug and up", "Info and up", "Warnings and errors", "Errors"}
var levelValues = []slog.Level{0, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

func newConsoleView(win fyne.Window, buf *console.Buffer, hide string) *consoleView {
	c := &consoleView{win: win, buf: buf, view: buf.NewView(console.Filter{Hide: splitList(hide)}), selected: -1}
	c.list = widget.NewList(func() int { return len(c.rows) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle.Monospace = true
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if i < 0 || i >= len(c.rows) {
				l.SetText("")
				return
			}
			l.Importance = lineImportance(c.rows[i])
			l.SetText(lineText(c.rows[i]))
		})
	c.list.OnSelected = func(id widget.ListItemID) {
		// Looking at a line stops the list from scrolling away from it.
		c.selected = id
		c.follow.SetChecked(false)
	}
	c.list.OnUnselected = func(widget.ListItemID) { c.selected = -1 }

	c.status = widget.NewLabel("")
	c.status.Importance = widget.LowImportance
	c.follow = widget.NewCheck("Follow", func(on bool) {
		if on {
			c.list.UnselectAll()
			c.list.ScrollToBottom()
		}
	})
	// Set directly: the list cannot scroll before it is first drawn.
	c.follow.Checked = true

	search := widget.NewEntry()
	search.SetPlaceHolder("Search")
	regex := widget.NewCheck("Regex", nil)
	level := widget.NewSelect(levelNames, nil)
	level.SetSelected(levelNames[0])
	hideEntry := widget.NewEntry()
	hideEntry.SetPlaceHolder("Hide lines containing (comma-separated)")
	hideEntry.SetText(hide)

	apply := func() {
		f := console.Filter{Hide: splitList(hideEntry.Text)}
		if regex.Checked {
			if err := f.SetRegex(search.Text); err != nil {
				c.status.SetText("Bad regular expression: " + err.Error())
				return
			}
		} else {
			f.Search = search.Text
		}
		if i := slices.Index(levelNames, level.Selected); i > 0 {
			f.SetMinLevel(levelValues[i])
		}
		c.view.SetFilter(f)
		c.list.UnselectAll()
		c.refresh()
	}
	search.OnChanged = func(string) { apply() }
	regex.OnChanged = func(bool) { apply() }
	level.OnChanged = func(string) { apply() }
	hideEntry.OnChanged = func(string) { apply() }

	c.hideEntry = hideEntry
	clear := widget.NewButton("Clear", func() {
		buf.Clear()
		c.refresh()
	})
	copySel := widget.NewButton("Copy line", c.copySelected)
	save := widget.NewButton("Save…", c.save)
	bar := container.NewBorder(nil, nil, nil,
		container.NewHBox(regex, level, c.follow, copySel, clear, save),
		container.NewGridWithColumns(2, search, hideEntry))
	c.content = container.NewBorder(bar, c.status, nil, nil, c.list)
	return c
}

// setHide replaces the hidden strings, as if typed in the hide field.
func (c *consoleView) setHide(hide string) {
	c.hideEntry.SetText(hide)
}

// refresh brings the view up to date with the buffer; UI thread only.
func (c *consoleView) refresh() {
	c.view.Refresh()
	c.rows = c.rows[:0]
	for i := range c.view.Len() {
		if line, ok := c.view.Line(i); ok {
			c.rows = append(c.rows, line)
		}
	}
	c.list.Refresh()
	if c.follow.Checked {
		c.list.ScrollToBottom()
	}
	if c.buf.Len() == 0 {
		c.status.SetText("sysmon's own output appears here; start a program with `sysmon run -- COMMAND` to see its output too.")
		return
	}
	c.status.SetText(fmt.Sprintf("%d of %d lines shown (keeps the last %d)", len(c.rows), c.buf.Len(), c.buf.MaxLines()))
}

func (c *consoleView) copySelected() {
	if c.selected < 0 || c.selected >= len(c.rows) {
		c.status.SetText("Select a line to copy it.")
		return
	}
	fyne.CurrentApp().Clipboard().SetContent(c.rows[c.selected].Text)
}

func (c *consoleView) save() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			dialog.ShowError(fmt.Errorf("save console: %w", err), c.win)
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		_ = w.Close()
		if err := c.view.Save(path); err != nil {
			dialog.ShowError(fmt.Errorf("save console: %w", err), c.win)
			return
		}
		c.status.SetText("Saved to " + path)
	}, c.win)
	d.SetFileName("sysmon-console.txt")
	d.Show()
}

func lineText(l console.Line) string {
	return l.Time.Format("15:04:05") + "  " + l.Source + "  " + l.Text
}

func lineImportance(l console.Line) widget.Importance {
	switch {
	case l.HasLevel && l.Level >= slog.LevelError:
		return widget.DangerImportance
	case l.HasLevel && l.Level >= slog.LevelWarn:
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
