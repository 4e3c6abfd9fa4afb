package chart

import (
	gochart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// skipInvisible wraps go-chart's raster renderer and drops paths whose fill
// and stroke are both transparent. go-chart always paints its background and
// canvas boxes, and rasterizing a full-size transparent rectangle was the
// largest single cost of a chart; the window's own background shows through
// the transparent image instead, so charts match the theme for free.
type skipInvisible struct {
	gochart.Renderer
	fill, stroke drawing.Color
	width        float64
}

func newSkipInvisible(width, height int) (gochart.Renderer, error) {
	r, err := gochart.PNG(width, height)
	if err != nil {
		return nil, err
	}
	return &skipInvisible{Renderer: r}, nil
}

func (s *skipInvisible) invisible() bool { return s.fill.A == 0 && (s.stroke.A == 0 || s.width == 0) }

func (s *skipInvisible) SetStrokeWidth(w float64) {
	s.width = w
	s.Renderer.SetStrokeWidth(w)
}

func (s *skipInvisible) SetFillColor(c drawing.Color) {
	s.fill = c
	s.Renderer.SetFillColor(c)
}

func (s *skipInvisible) SetStrokeColor(c drawing.Color) {
	s.stroke = c
	s.Renderer.SetStrokeColor(c)
}

func (s *skipInvisible) ResetStyle() {
	s.fill, s.stroke, s.width = drawing.Color{}, drawing.Color{}, 0
	s.Renderer.ResetStyle()
}

func (s *skipInvisible) MoveTo(x, y int) {
	if !s.invisible() {
		s.Renderer.MoveTo(x, y)
	}
}

func (s *skipInvisible) LineTo(x, y int) {
	if !s.invisible() {
		s.Renderer.LineTo(x, y)
	}
}

func (s *skipInvisible) QuadCurveTo(cx, cy, x, y int) {
	if !s.invisible() {
		s.Renderer.QuadCurveTo(cx, cy, x, y)
	}
}

func (s *skipInvisible) ArcTo(cx, cy int, rx, ry, startAngle, delta float64) {
	if !s.invisible() {
		s.Renderer.ArcTo(cx, cy, rx, ry, startAngle, delta)
	}
}

func (s *skipInvisible) Close() {
	if !s.invisible() {
		s.Renderer.Close()
	}
}

func (s *skipInvisible) Fill() {
	if !s.invisible() {
		s.Renderer.Fill()
	}
}

func (s *skipInvisible) Stroke() {
	if !s.invisible() {
		s.Renderer.Stroke()
	}
}

func (s *skipInvisible) FillStroke() {
	if !s.invisible() {
		s.Renderer.FillStroke()
	}
}

// themePalette is go-chart's colour palette for a Fyne theme: no background
// or canvas colour at all (the widget behind shows through), theme colours
// for text and axes.
type themePalette struct{ p Palette }

func (themePalette) BackgroundColor() drawing.Color       { return drawing.ColorTransparent }
func (themePalette) BackgroundStrokeColor() drawing.Color { return drawing.ColorTransparent }
func (themePalette) CanvasColor() drawing.Color           { return drawing.ColorTransparent }
func (themePalette) CanvasStrokeColor() drawing.Color     { return drawing.ColorTransparent }
func (t themePalette) AxisStrokeColor() drawing.Color     { return toDrawing(t.p.Grid) }
func (t themePalette) TextColor() drawing.Color           { return toDrawing(t.p.Foreground) }
func (t themePalette) GetSeriesColor(int) drawing.Color   { return toDrawing(t.p.Foreground) }
