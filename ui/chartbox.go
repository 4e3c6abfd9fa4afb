package ui

import (
	"image"
	"image/color"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// chartBox shows one rendered chart. It remembers its size so the bridge can
// render the next image off the UI thread at exactly the pixels it will
// fill; the canvas.Image is created once and only its picture is replaced.
type chartBox struct {
	widget.BaseWidget
	img     *canvas.Image
	minSize fyne.Size
	width   atomic.Uint32 // float32 bits of the current size
	height  atomic.Uint32
	// framed draws a thin border, for charts without axes.
	framed bool
}

func newChartBox(min fyne.Size, framed bool) *chartBox {
	c := &chartBox{img: canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 1, 1))), minSize: min, framed: framed}
	c.img.FillMode = canvas.ImageFillStretch
	c.img.ScaleMode = canvas.ImageScaleFastest
	c.ExtendBaseWidget(c)
	return c
}

func (c *chartBox) CreateRenderer() fyne.WidgetRenderer {
	if !c.framed {
		return widget.NewSimpleRenderer(c.img)
	}
	frame := canvas.NewRectangle(color.Transparent)
	frame.StrokeWidth = 1
	frame.StrokeColor = theme.Color(theme.ColorNameSeparator)
	return &framedRenderer{WidgetRenderer: widget.NewSimpleRenderer(container.NewStack(c.img, frame)), frame: frame}
}

// framedRenderer recolours the frame on every refresh, so it follows a
// theme change.
type framedRenderer struct {
	fyne.WidgetRenderer
	frame *canvas.Rectangle
}

func (r *framedRenderer) Refresh() {
	r.frame.StrokeColor = theme.Color(theme.ColorNameSeparator)
	r.WidgetRenderer.Refresh()
}

func (c *chartBox) MinSize() fyne.Size { return c.minSize }

func (c *chartBox) Resize(s fyne.Size) {
	c.width.Store(floatBits(s.Width))
	c.height.Store(floatBits(s.Height))
	c.BaseWidget.Resize(s)
}

// pixels is the size to render at for a canvas with the given scale.
func (c *chartBox) pixels(scale float32) (w, h int) {
	return int(floatFrom(c.width.Load()) * scale), int(floatFrom(c.height.Load()) * scale)
}

// show replaces the picture; UI thread only.
func (c *chartBox) show(img image.Image) {
	c.img.Image = img
	c.img.Refresh()
}
