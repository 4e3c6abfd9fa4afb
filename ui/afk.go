package ui

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"sysmon/idle"
)

// afkChip is the always-visible status in the window header: "Active",
// "AFK for 12 min" or "AFK unknown", on a coloured background.
type afkChip struct {
	bg    *canvas.Rectangle
	label *widget.Label
	box   fyne.CanvasObject
}

func newAFKChip() *afkChip {
	c := &afkChip{bg: canvas.NewRectangle(theme.Color(theme.ColorNameDisabled)), label: widget.NewLabel("AFK …")}
	c.bg.CornerRadius = theme.InputRadiusSize() * 2
	c.label.TextStyle.Bold = true
	c.box = container.NewStack(c.bg, container.NewPadded(c.label))
	return c
}

// afkText says what the chip shows for a status and which theme colour it
// sits on.
func afkText(st *idle.Status, now time.Time) (text string, bg fyne.ThemeColorName) {
	if st == nil || st.State == idle.StateUnknown {
		return "AFK unknown", theme.ColorNameDisabled
	}
	if st.State == idle.StateAFK {
		away := "AFK"
		if st.AFKSince != nil {
			away = "AFK for " + shortAgo(now.Sub(*st.AFKSince))
		}
		return away, theme.ColorNameWarning
	}
	if st.Inhibited {
		return "Active (presenting)", theme.ColorNameSuccess
	}
	return "Active", theme.ColorNameSuccess
}

func shortAgo(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	default:
		return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
	}
}

// set updates the chip; UI thread only.
func (c *afkChip) set(st *idle.Status, now time.Time) {
	text, name := afkText(st, now)
	importance := map[fyne.ThemeColorName]widget.Importance{
		theme.ColorNameSuccess: widget.SuccessImportance, theme.ColorNameWarning: widget.WarningImportance,
	}[name]
	if text == c.label.Text && importance == c.label.Importance {
		return
	}
	c.label.Importance = importance
	c.label.SetText(text)
	// A tint of the state's colour behind text in that colour reads on both
	// themes without shouting.
	r, g, b, _ := theme.Color(name).RGBA()
	c.bg.FillColor = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0x38}
	c.bg.Refresh()
}
