package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"sysmon/format"
	"sysmon/sampler"
)

// trayMenu is the system tray icon and its menu of quick stats.
type trayMenu struct {
	desk  desktop.App
	menu  *fyne.Menu
	stats []*fyne.MenuItem
	show  *fyne.MenuItem
	// level is the icon's current bar heights, so it is redrawn only when
	// they change visibly.
	level [2]int
}

// newTrayMenu installs the tray icon, or returns nil when the driver has no
// tray (mobile, the test driver).
func newTrayMenu(app fyne.App, toggle func()) *trayMenu {
	desk, ok := app.(desktop.App)
	if !ok {
		return nil
	}
	t := &trayMenu{desk: desk, level: [2]int{-1, -1}}
	t.show = fyne.NewMenuItem("Hide window", toggle)
	t.menu = fyne.NewMenu("sysmon", fyne.NewMenuItemSeparator(), t.show)
	desk.SetSystemTrayMenu(t.menu)
	t.setIcon(0, 0)
	return t
}

// trayLabels are the quick stats: CPU, memory, each GPU, AFK.
func trayLabels(s *sampler.Sample, u format.Units) []string {
	var out []string
	if c := s.CPU; c != nil {
		out = append(out, "CPU "+format.PercentPtr(c.TotalPercent))
	}
	if m := s.Memory; m != nil {
		out = append(out, fmt.Sprintf("Memory %s / %s", u.Bytes(float64(m.UsedBytes)), u.Bytes(float64(m.TotalBytes))))
	}
	if s.GPU != nil {
		for _, d := range s.GPU.Devices {
			if d.Lost {
				out = append(out, fmt.Sprintf("GPU %d lost", d.Index))
				continue
			}
			out = append(out, fmt.Sprintf("GPU %d %s · VRAM %s / %s", d.Index, format.PercentPtr(d.UtilizationGPUPercent),
				bytesPtr(d.MemoryUsedBytes, u), bytesPtr(d.MemoryTotalBytes, u)))
		}
	}
	text, _ := afkText(s.Idle, s.Time)
	return append(out, text)
}

// update shows a new sample; UI thread only. The menu is sent to the tray
// host only when a label changed.
func (t *trayMenu) update(s *sampler.Sample, u format.Units, hidden bool) {
	labels := trayLabels(s, u)
	changed := len(labels) != len(t.stats)
	if changed {
		t.stats = make([]*fyne.MenuItem, len(labels))
		for i := range labels {
			t.stats[i] = fyne.NewMenuItem("", nil)
			t.stats[i].Disabled = true
		}
		t.menu.Items = append(slices.Clone(t.stats), fyne.NewMenuItemSeparator(), t.show)
	}
	for i, l := range labels {
		if t.stats[i].Label != l {
			t.stats[i].Label = l
			changed = true
		}
	}
	show := "Hide window"
	if hidden {
		show = "Show window"
	}
	if t.show.Label != show {
		t.show.Label = show
		changed = true
	}
	if changed {
		t.menu.Refresh()
	}
	cpu, gpuUse := 0.0, 0.0
	if s.CPU != nil && s.CPU.TotalPercent != nil {
		cpu = *s.CPU.TotalPercent
	}
	if s.GPU != nil {
		for _, d := range s.GPU.Devices {
			if d.UtilizationGPUPercent != nil {
				gpuUse = max(gpuUse, *d.UtilizationGPUPercent)
			}
		}
	}
	t.setIcon(cpu, gpuUse)
}

// iconLevels is how many heights each bar of the tray icon has.
const iconLevels = 8

func (t *trayMenu) setIcon(cpu, gpuUse float64) {
	level := [2]int{quantize(cpu), quantize(gpuUse)}
	if level == t.level {
		return
	}
	t.level = level
	t.desk.SetSystemTrayIcon(fyne.NewStaticResource(fmt.Sprintf("sysmon-%d-%d.png", level[0], level[1]), trayIcon(level)))
}

func quantize(pct float64) int {
	return int(max(0, min(pct, 100)) / 100 * iconLevels)
}

// trayIcon draws the load at a glance: a CPU bar (blue) and a GPU bar
// (green) on a dark tile, each in iconLevels steps.
func trayIcon(level [2]int) []byte {
	const size = 64
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, image.Rect(4, 4, size-4, size-4), image.NewUniform(color.NRGBA{0x1e, 0x2a, 0x38, 0xff}), image.Point{}, draw.Src)
	for i, c := range []color.NRGBA{colorCPU, colorGPU} {
		x0 := 12 + i*22
		full := size - 24
		h := max(2, full*level[i]/iconLevels)
		draw.Draw(img, image.Rect(x0, 12, x0+18, size-12), image.NewUniform(color.NRGBA{0x33, 0x40, 0x50, 0xff}), image.Point{}, draw.Src)
		draw.Draw(img, image.Rect(x0, size-12-h, x0+18, size-12), image.NewUniform(c), image.Point{}, draw.Src)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
