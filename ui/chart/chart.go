// Package chart renders the time-series charts of the window with go-chart
// into plain images. It knows nothing of Fyne: the ui package passes in the
// theme's colours and the size in pixels and shows the result, so rendering
// can run off the UI thread and be benchmarked on its own.
package chart

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"time"

	gochart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Palette is the set of theme colours a chart is drawn with. The chart's
// own background is transparent, so the widget behind it sets the colour.
type Palette struct {
	Foreground color.Color // axis labels
	Grid       color.Color
}

// Line is one series: values oldest first, NaN where there is no value.
type Line struct {
	Values []float64
	Color  color.Color
	// Fill shades the area under the line with a translucent Color.
	Fill bool
}

// Spec describes one chart.
type Spec struct {
	Width, Height int // pixels
	// Scale is the display's scale factor; text and strokes grow with it.
	Scale   float32
	Lines   []Line
	Palette Palette
	// Step is the time between two values, for the x-axis labels.
	Step time.Duration
	// Max fixes the top of the y axis (100 for percentages); 0 picks a round
	// number above the largest value.
	Max float64
	// Base is the unit prefix step of the values: 1024 for bytes shown in
	// KiB/MiB, 1000 for kB/MB, 0 for plain numbers. Automatic tops are round
	// in that base, so labels read "10 MiB/s", not "9.54 MiB/s".
	Base float64
	// Label formats y-axis values, e.g. "50 %" or "1.5 MiB/s".
	Label func(float64) string
	// Axes draws the grid and labels; sparklines leave it off.
	Axes bool
	// Elapsed labels the x axis in time from the start ("0 s" ... "5 min")
	// instead of time before now, for runs laid over each other.
	Elapsed bool
}

// Render draws the chart and returns it. A Spec with no area gives a 1x1
// transparent image rather than an error, so callers never show a broken
// image while a window is being laid out.
func Render(s Spec) image.Image {
	if s.Width < 8 || s.Height < 8 {
		return blank()
	}
	scale := float64(s.Scale)
	if scale <= 0 {
		scale = 1
	}
	n := 0
	for _, l := range s.Lines {
		n = max(n, len(l.Values))
	}
	if n < 2 {
		n = 2
	}
	top := s.Max
	if top <= 0 {
		top = niceCeil(maxFinite(s.Lines), s.Base)
	}

	c := gochart.Chart{
		Width:        s.Width,
		Height:       s.Height,
		DPI:          96 * scale,
		ColorPalette: themePalette{s.Palette},
		Background: gochart.Style{
			Padding: gochart.Box{Top: int(6 * scale), Left: int(4 * scale), Right: int(4 * scale), Bottom: int(4 * scale)},
		},
		XAxis: gochart.XAxis{Style: gochart.Hidden(), Range: &gochart.ContinuousRange{Min: 0, Max: float64(n - 1)}},
		YAxis: gochart.YAxis{Style: gochart.Hidden(), Range: &gochart.ContinuousRange{Min: 0, Max: top}},
	}
	if !s.Axes {
		c.Background.Padding = gochart.Box{IsSet: true}
	}
	if s.Axes {
		axis := gochart.Style{
			FontColor:   toDrawing(s.Palette.Foreground),
			FontSize:    8,
			StrokeColor: toDrawing(s.Palette.Grid),
			StrokeWidth: scale,
		}
		grid := gochart.Style{StrokeColor: toDrawing(s.Palette.Grid), StrokeWidth: scale}
		// A time label needs about 70 points of width to stay apart from
		// its neighbours.
		xt := timeTicks(n, s.Step, max(2, int(float64(s.Width)/scale/70)))
		if s.Elapsed {
			xt = elapsedTicks(n, s.Step, max(2, int(float64(s.Width)/scale/70)))
		}
		c.XAxis = gochart.XAxis{
			Style: axis, Range: c.XAxis.Range, Ticks: xt,
			GridMajorStyle: grid, GridLines: gridAt(xt),
		}
		label := s.Label
		if label == nil {
			label = func(v float64) string { return fmt.Sprintf("%g", v) }
		}
		yt := valueTicks(top, label)
		c.YAxis = gochart.YAxis{
			Style: axis, Range: c.YAxis.Range, Ticks: yt,
			GridMajorStyle: grid, GridLines: gridAt(yt),
		}
	}
	for _, l := range s.Lines {
		c.Series = append(c.Series, segments(l, top, scale)...)
	}
	if len(c.Series) == 0 {
		// go-chart refuses a chart without series; an invisible one keeps
		// the axes of an empty chart.
		c.Series = []gochart.Series{gochart.ContinuousSeries{
			XValues: []float64{0, float64(n - 1)}, YValues: []float64{0, 0},
			Style: gochart.Style{StrokeColor: drawing.ColorTransparent, StrokeWidth: 0.01},
		}}
	}
	var out collector
	if err := c.Render(newSkipInvisible, &out); err != nil || out.img == nil {
		return blank()
	}
	return out.img
}

// collector receives the raster image directly, skipping PNG encoding.
type collector struct{ img *image.RGBA }

func (c *collector) Write(p []byte) (int, error) { return len(p), nil }
func (c *collector) SetRGBA(i *image.RGBA)       { c.img = i }

// segments splits a line at NaN gaps so missing values show as gaps, never
// as a drop to zero. Values above top are clipped to it.
func segments(l Line, top, scale float64) []gochart.Series {
	var out []gochart.Series
	style := gochart.Style{StrokeColor: toDrawing(l.Color), StrokeWidth: 1.5 * scale}
	if l.Fill {
		style.FillColor = toDrawing(l.Color).WithAlpha(60)
	}
	var xs, ys []float64
	flush := func() {
		if len(xs) == 1 {
			// A lone value still shows, as a short flat stroke.
			xs = append(xs, xs[0]+0.5)
			ys = append(ys, ys[0])
		}
		if len(xs) > 1 {
			out = append(out, gochart.ContinuousSeries{XValues: xs, YValues: ys, Style: style})
		}
		xs, ys = nil, nil
	}
	for i, v := range l.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			flush()
			continue
		}
		xs = append(xs, float64(i))
		ys = append(ys, math.Max(0, math.Min(v, top)))
	}
	flush()
	return out
}

// timeTicks labels the x axis in time before now: the left edge with the
// whole span ("60 s ago"), round times in between, and "now" on the right.
// The edge always has a label because go-chart ends the axis at the
// outermost tick.
func timeTicks(n int, step time.Duration, maxLabels int) []gochart.Tick {
	if step <= 0 {
		step = time.Second
	}
	span := time.Duration(n-1) * step
	every := pickStep(span, maxLabels)
	ticks := []gochart.Tick{{Value: 0, Label: agoLabel(span)}}
	// Round times, skipping any too close to the edge label to read.
	first := (span - every*3/4) / every * every
	for ago := first; ago > 0; ago -= every {
		ticks = append(ticks, gochart.Tick{Value: float64(n-1) - float64(ago)/float64(step), Label: agoLabel(ago)})
	}
	return append(ticks, gochart.Tick{Value: float64(n - 1), Label: "now"})
}

// elapsedTicks labels the x axis in time from the start, at round steps.
func elapsedTicks(n int, step time.Duration, maxLabels int) []gochart.Tick {
	if step <= 0 {
		step = time.Second
	}
	span := time.Duration(n-1) * step
	every := pickStep(span, maxLabels)
	var ticks []gochart.Tick
	for at := time.Duration(0); at <= span; at += every {
		ticks = append(ticks, gochart.Tick{Value: float64(at) / float64(step), Label: elapsedLabel(at)})
	}
	return ticks
}

func elapsedLabel(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", int(d.Hours()))
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d >= time.Minute:
		return fmt.Sprintf("%.1f min", d.Minutes())
	}
	return fmt.Sprintf("%d s", int(d.Seconds()))
}

// pickStep chooses the smallest round tick spacing that gives at most six
// labels, and fewer where the chart is narrow.
func pickStep(span time.Duration, maxLabels int) time.Duration {
	limit := time.Duration(min(6, max(1, maxLabels-1)))
	for _, d := range []time.Duration{5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour} {
		if span/d <= limit {
			return d
		}
	}
	return span / limit
}

func agoLabel(d time.Duration) string {
	switch {
	case d == 0:
		return "now"
	case d < 2*time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Round(time.Second).Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%.3g min ago", d.Minutes())
	default:
		return fmt.Sprintf("%.3g h ago", d.Hours())
	}
}

// valueTicks puts five labels on the y axis from 0 to top.
func valueTicks(top float64, label func(float64) string) []gochart.Tick {
	ticks := make([]gochart.Tick, 5)
	for i := range ticks {
		v := top * float64(i) / 4
		ticks[i] = gochart.Tick{Value: v, Label: label(v)}
	}
	return ticks
}

func gridAt(ticks []gochart.Tick) []gochart.GridLine {
	lines := make([]gochart.GridLine, len(ticks))
	for i, t := range ticks {
		lines[i] = gochart.GridLine{Value: t.Value}
	}
	return lines
}

// niceCeil rounds v up to a top whose quarters are round numbers: 1, 2, 4
// or 8 times a power of ten, scaled by the largest power of base (when base
// is set) so byte axes land on whole KiB or MiB. The result is at least 4,
// so an all-zero series still has an axis whose quarter labels (1, 2, 3, 4)
// read as different numbers.
func niceCeil(v, base float64) float64 {
	const least = 4
	if v <= least || math.IsNaN(v) || math.IsInf(v, 0) {
		return least
	}
	scale := 1.0
	if base > 1 {
		for v/scale >= base {
			scale *= base
		}
	}
	m := v / scale
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, k := range []float64{1, 2, 4, 8, 10} {
		if k*p >= m {
			return k * p * scale
		}
	}
	return 10 * p * scale
}

func maxFinite(lines []Line) float64 {
	m := 0.0
	for _, l := range lines {
		for _, v := range l.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) && v > m {
				m = v
			}
		}
	}
	return m
}

func toDrawing(c color.Color) drawing.Color {
	if c == nil {
		return drawing.ColorTransparent
	}
	r, g, b, a := color.NRGBAModel.Convert(c).RGBA()
	return drawing.Color{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: uint8(a >> 8)}
}

func blank() image.Image { return image.NewRGBA(image.Rect(0, 0, 1, 1)) }
