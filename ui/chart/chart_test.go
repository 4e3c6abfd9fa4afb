package chart

import (
	"image"
	"image/color"
	"math"
	"strings"
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
	cases := []struct {
		n      int
		step   time.Duration
		most   int
		labels string
	}{
		{61, time.Second, 11, "60 s ago,50 s ago,40 s ago,30 s ago,20 s ago,10 s ago,now"},
		{601, time.Second, 11, "10 min ago,8 min ago,6 min ago,4 min ago,2 min ago,now"},
		// 7 s samples: the edge says what it really is.
		{9, 7 * time.Second, 11, "56 s ago,40 s ago,30 s ago,20 s ago,10 s ago,now"},
		// A narrow chart gets fewer labels.
		{61, time.Second, 4, "60 s ago,30 s ago,now"},
	}
	for _, c := range cases {
		ticks := timeTicks(c.n, c.step, c.most)
		var labels []string
		for _, tk := range ticks {
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, ","); got != c.labels {
			t.Errorf("timeTicks(%d, %v) = %s, want %s", c.n, c.step, got, c.labels)
		}
		if ticks[0].Value != 0 || ticks[len(ticks)-1].Value != float64(c.n-1) {
			t.Errorf("ticks do not span the axis: %+v", ticks)
		}
	}
}

func TestNiceCeil(t *testing.T) {
	cases := []struct{ in, base, want float64 }{
		{0, 0, 4}, {0.5, 0, 4}, {3, 0, 4}, {4.5, 0, 8}, {7, 0, 8}, {9, 0, 10}, {11, 0, 20}, {1234, 0, 2000}, {5e6, 0, 8e6},
		{math.NaN(), 0, 4}, {0, 1024, 4},
		{38.1 * (1 << 20), 1024, 40 * (1 << 20)},
		{900 * 1024, 1024, 1000 * 1024},
		{1500, 1024, 2 * 1024},
		{38.1e6, 1000, 40e6},
	}
	for _, c := range cases {
		if got := niceCeil(c.in, c.base); got != c.want {
			t.Errorf("niceCeil(%v, %v) = %v, want %v", c.in, c.base, got, c.want)
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

func TestElapsedTicks(t *testing.T) {
	var labels []string
	for _, tk := range elapsedTicks(301, time.Second, 11) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, ","); got != "0 s,1 min,2 min,3 min,4 min,5 min" {
		t.Errorf("elapsed ticks %s", got)
	}
}
