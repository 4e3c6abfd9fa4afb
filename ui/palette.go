package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"sysmon/ui/chart"
)

// Series colours, chosen to read on both the light and the dark theme.
var (
	colorCPU    = color.NRGBA{0x3d, 0x9e, 0xff, 0xff}
	colorMemory = color.NRGBA{0xa8, 0x6b, 0xf0, 0xff}
	colorRead   = color.NRGBA{0x3c, 0xc0, 0x7a, 0xff}
	colorWrite  = color.NRGBA{0xf0, 0x8c, 0x2e, 0xff}
	colorRx     = color.NRGBA{0xe8, 0x5d, 0x9c, 0xff}
	colorTx     = color.NRGBA{0x2e, 0xc4, 0xc4, 0xff}
	colorGPU    = color.NRGBA{0x76, 0xb9, 0x00, 0xff} // NVIDIA green
	colorTemp   = color.NRGBA{0xf0, 0x5a, 0x4a, 0xff}
	colorPower  = color.NRGBA{0xf0, 0xc4, 0x2e, 0xff}
)

// currentPalette reads the chart colours from the active Fyne theme, so a
// chart on a dark window has light labels and a subtle grid.
func currentPalette(app fyne.App) chart.Palette {
	th, v := app.Settings().Theme(), app.Settings().ThemeVariant()
	return chart.Palette{
		Foreground: th.Color(theme.ColorNameForeground, v),
		Grid:       th.Color(theme.ColorNameSeparator, v),
	}
}

func floatBits(f float32) uint32 { return math.Float32bits(f) }
func floatFrom(b uint32) float32 { return math.Float32frombits(b) }
