package llm

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// I and F build the optional fields of an expected Stats.
func I(n int64) *int64     { return &n }
func F(x float64) *float64 { return &x }

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// diffStats lists the fields where got and want differ (presence, or
// value beyond rounding).
func diffStats(got, want Stats) string {
	var d []string
	ints := []struct {
		name string
		g, w *int64
	}{
		{"PromptTokens", got.PromptTokens, want.PromptTokens},
		{"GeneratedTokens", got.GeneratedTokens, want.GeneratedTokens},
	}
	for _, c := range ints {
		if (c.g == nil) != (c.w == nil) || (c.g != nil && *c.g != *c.w) {
			d = append(d, fmt.Sprintf("%s: got %s want %s", c.name, showInt(c.g), showInt(c.w)))
		}
	}
	floats := []struct {
		name string
		g, w *float64
	}{
		{"PromptSeconds", got.PromptSeconds, want.PromptSeconds},
		{"GenerationSeconds", got.GenerationSeconds, want.GenerationSeconds},
		{"LoadSeconds", got.LoadSeconds, want.LoadSeconds},
		{"TotalSeconds", got.TotalSeconds, want.TotalSeconds},
		{"PromptTokensPerSecond", got.PromptTokensPerSecond, want.PromptTokensPerSecond},
		{"GenerationTokensPerSecond", got.GenerationTokensPerSecond, want.GenerationTokensPerSecond},
	}
	for _, c := range floats {
		if (c.g == nil) != (c.w == nil) || (c.g != nil && !near(*c.g, *c.w)) {
			d = append(d, fmt.Sprintf("%s: got %s want %s", c.name, showFloat(c.g), showFloat(c.w)))
		}
	}
	if got.Source != want.Source {
		d = append(d, fmt.Sprintf("Source: got %q want %q", got.Source, want.Source))
	}
	return strings.Join(d, "; ")
}

func showInt(p *int64) string {
	if p == nil {
		return "absent"
	}
	return fmt.Sprint(*p)
}

func showFloat(p *float64) string {
	if p == nil {
		return "absent"
	}
	return fmt.Sprintf("%.9g", *p)
}

func checkStats(t *testing.T, what string, got, want Stats) {
	t.Helper()
	if d := diffStats(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}
