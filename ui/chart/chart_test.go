package chart

import (
	"image"
	"image/color"
	"math"
	"testing"
	"time"
)

var dark = Palette{
	Foreground: color.NRGBA{0xf0, 0xf0, 0xf0, 0xff},
	Grid:       color.NRGBA{0x40, 0x40, 0x44, 0xff},
}

func wave(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 50 + 40*math.Sin(float64(i)/20)
	}
	return v
}

func bigSpec(values []float64) Spec {
	return Spec{
		Width: 800, Height: 300, Scale: 1, Palette: dark, Step: time.Second, Max: 100, Axes: true,
		Lines: []Line{{Values: values, Color: color.NRGBA{0x3d, 0x9e, 0xff, 0xff}, Fill: true}},
		Label: func(v float64) string { return "x" },
	}
}

func TestRenderSizeAndTheme(t *testing.T) {
	img := Render(bigSpec(wave(600)))
	if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 300 {
		t.Fatalf("size %v", b)
	}
	// The corner is transparent, so the theme's background shows, never
	// go-chart's default white.
	if _, _, _, a := img.At(1, 1).RGBA(); a != 0 {
		t.Errorf("corner = %v, want transparent", img.At(1, 1))
	}
	if n := distinctColours(img); n < 20 {
		t.Errorf("only %d colours: nothing drawn", n)
	}
}

func TestRenderGapsAndEmpty(t *testing.T) {
	v := wave(100)
	for i := 40; i < 60; i++ {
		v[i] = math.NaN()
	}
	img := Render(bigSpec(v))
	// In the middle of the gap nothing of the line's blue is drawn.
	x := 4 + (800-8)*50/99
	for y := 0; y < 300; y++ {
		c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
		if c.B > 0xc0 && c.R < 0x60 {
			t.Fatalf("line drawn inside the NaN gap at (%d,%d): %v", x, y, c)
		}
	}
	all := make([]float64, 10)
	for i := range all {
		all[i] = math.NaN()
	}
	if img := Render(bigSpec(all)); img.Bounds().Dx() != 800 {
		t.Error("an all-NaN chart did not render")
	}
	if img := Render(Spec{Width: 0, Height: 0}); img.Bounds().Dx() != 1 {
		t.Error("a zero-size spec did not give a placeholder")
	}
}

func TestTimeTicks(t *testing.T) {
	ticks := timeTicks(61, time.Second)
	if first, last := ticks[0], ticks[len(ticks)-1]; first.Label != "60 s ago" || last.Label != "now" || last.Value != 60 || first.Value != 0 {
		t.Errorf("ticks %+v", ticks)
	}
	ticks = timeTicks(600, time.Second)
	if ticks[len(ticks)-1].Label != "now" || ticks[0].Label != "8 min ago" {
		t.Errorf("10 min ticks: %+v", ticks)
	}
}

func TestNiceCeil(t *testing.T) {
	cases := map[float64]float64{0: 1, 0.5: 1, 3: 4, 7: 8, 9: 10, 11: 20, 1234: 2000, 5e6: 5e6, math.NaN(): 1}
	for in, want := range cases {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}

func distinctColours(img image.Image) int {
	seen := map[color.Color]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			seen[img.At(x, y)] = true
		}
	}
	return len(seen)
}

// BenchmarkRender800x300 is the large chart: 600 points (10 min at 1 s).
func BenchmarkRender800x300(b *testing.B) {
	s := bigSpec(wave(600))
	b.ReportAllocs()
	for b.Loop() {
		Render(s)
	}
}

// BenchmarkRenderSparkline is one side-list sparkline.
func BenchmarkRenderSparkline(b *testing.B) {
	s := Spec{Width: 120, Height: 40, Scale: 1, Palette: dark, Max: 100,
		Lines: []Line{{Values: wave(60), Color: color.NRGBA{0x3d, 0x9e, 0xff, 0xff}, Fill: true}}}
	b.ReportAllocs()
	for b.Loop() {
		Render(s)
	}
}
