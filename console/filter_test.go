package console

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
)

func TestFilterMatch(t *testing.T) {
	lines := []Line{
		{Text: "INFO server listening on :8080", Level: slog.LevelInfo, HasLevel: true},
		{Text: "WARN slow request /metrics", Level: slog.LevelWarn, HasLevel: true},
		{Text: "ERROR CUDA out of memory", Level: slog.LevelError, HasLevel: true},
		{Text: "llama_model_loader: loaded 33 tensors"},
		{Text: "GET /healthz 200"},
		{Text: "Größe: 12 GiB, ΣΑΣ"},
	}
	match := func(f Filter) []int {
		var idx []int
		for i := range lines {
			if f.Match(&lines[i]) {
				idx = append(idx, i)
			}
		}
		return idx
	}
	regex := func(expr string) Filter {
		var f Filter
		if err := f.SetRegex(expr); err != nil {
			t.Fatal(err)
		}
		return f
	}
	level := func(l slog.Level) Filter {
		var f Filter
		f.SetMinLevel(l)
		return f
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want []int
	}{
		{"zero filter shows all", Filter{}, []int{0, 1, 2, 3, 4, 5}},
		{"hide any of", Filter{Hide: []string{"/healthz", "/metrics"}}, []int{0, 2, 3, 5}},
		{"hide is case-sensitive", Filter{Hide: []string{"cuda"}}, []int{0, 1, 2, 3, 4, 5}},
		{"empty hide entry ignored", Filter{Hide: []string{""}}, []int{0, 1, 2, 3, 4, 5}},
		{"search ignores case", Filter{Search: "cuda OUT"}, []int{2}},
		{"search unicode folding", Filter{Search: "GRÖSSE"}, nil},
		{"search unicode case", Filter{Search: "größe"}, []int{5}},
		{"search greek sigma", Filter{Search: "σας"}, []int{5}},
		{"search no match", Filter{Search: "nothing like it"}, nil},
		{"regex", regex(`\b\d{3}$`), []int{4}},
		{"regex anchored", regex(`^(WARN|ERROR) `), []int{1, 2}},
		{"min level warn hides unknown", level(slog.LevelWarn), []int{1, 2}},
		{"min level debug", level(slog.LevelDebug), []int{0, 1, 2}},
		{"combined", func() Filter {
			f := regex("o")
			f.Hide = []string{"slow"}
			f.Search = "e"
			f.SetMinLevel(slog.LevelInfo)
			return f
		}(), []int{0, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := match(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterBadRegexKeepsFilter(t *testing.T) {
	var f Filter
	if err := f.SetRegex("^ok"); err != nil {
		t.Fatal(err)
	}
	err := f.SetRegex("(unclosed")
	if err == nil {
		t.Fatal("no error for a bad regex")
	}
	if !strings.Contains(err.Error(), "regex filter") || !strings.Contains(err.Error(), "missing closing )") {
		t.Errorf("unclear error: %v", err)
	}
	if f.Regex() != "^ok" {
		t.Errorf("filter changed to %q", f.Regex())
	}
	if err := f.SetRegex(""); err != nil || f.Regex() != "" {
		t.Errorf("clearing: %v %q", err, f.Regex())
	}
}

func TestFilterLevelAccessors(t *testing.T) {
	var f Filter
	if _, ok := f.MinLevel(); ok {
		t.Error("zero filter has a level")
	}
	f.SetMinLevel(slog.LevelWarn)
	if l, ok := f.MinLevel(); !ok || l != slog.LevelWarn {
		t.Errorf("MinLevel = %v, %v", l, ok)
	}
	f.ClearMinLevel()
	if _, ok := f.MinLevel(); ok {
		t.Error("ClearMinLevel")
	}
}

func TestContainsFold(t *testing.T) {
	for _, tc := range []struct {
		s, sub string
		want   bool
	}{
		{"Hello World", "WORLD", true},
		{"Hello World", "", true},
		{"", "a", false},
		{"abc", "abcd", false},
		{"KELVIN \u212A", "k k", false},
		{"\u212Aelvin", "kelvin", true},
		{"straße", "STRASSE", false},
		{"ǅ", "ǆ", true},
		{"a\uFFFDb", "\uFFFDB", true},
	} {
		if got := containsFold(tc.s, tc.sub); got != tc.want {
			t.Errorf("containsFold(%q, %q) = %v", tc.s, tc.sub, got)
		}
	}
}

func viewTexts(v *View) []string {
	var out []string
	for i := range v.Len() {
		l, ok := v.Line(i)
		if !ok {
			out = append(out, "<gone>")
			continue
		}
		out = append(out, l.Text)
	}
	return out
}

func TestView(t *testing.T) {
	b := NewBuffer(10)
	w := b.Writer("v")
	for _, s := range []string{"a1", "b1", "a2", "b2"} {
		w.Write([]byte(s + "\n"))
	}
	v := b.NewView(Filter{Search: "a"})
	if got := viewTexts(v); !slices.Equal(got, []string{"a1", "a2"}) {
		t.Fatalf("initial: %q", got)
	}
	if v.Refresh() {
		t.Error("Refresh with nothing new reported a change")
	}
	w.Write([]byte("b3\n"))
	if v.Refresh() {
		t.Error("a line that does not match changed the view")
	}
	w.Write([]byte("a3\n"))
	if !v.Refresh() {
		t.Error("a matching line did not change the view")
	}
	if got := viewTexts(v); !slices.Equal(got, []string{"a1", "a2", "a3"}) {
		t.Fatalf("after appends: %q", got)
	}
	seq, _ := v.Seq(2)
	if i, ok := v.Index(seq); i != 2 || !ok {
		t.Errorf("Index(%d) = %d, %v", seq, i, ok)
	}
	if i, ok := v.Index(seq - 1); i != 2 || ok {
		t.Errorf("Index of a hidden line = %d, %v", i, ok)
	}

	// The buffer drops a1, b1, a2, b2 and b3; only a3 and the new a lines remain.
	for i := range 9 {
		w.Write([]byte("a" + string(rune('4'+i)) + "\n"))
	}
	if !v.Refresh() {
		t.Error("eviction did not change the view")
	}
	if got := viewTexts(v); len(got) != 10 || got[0] != "a3" {
		t.Fatalf("after eviction: %q", got)
	}

	v.SetFilter(Filter{Hide: []string{"a"}})
	if v.Len() != 0 {
		t.Errorf("SetFilter: %q", viewTexts(v))
	}
	f := Filter{Hide: []string{"a5"}}
	v.SetFilter(f)
	f.Hide[0] = "zzz" // must not reach the view's filter
	v.Refresh()
	if got := viewTexts(v); slices.Contains(got, "a5") || len(got) != 9 {
		t.Errorf("filter aliasing: %q", got)
	}
	if got := v.Filter(); got.Hide[0] != "a5" {
		t.Errorf("Filter() = %+v", got)
	}
	if _, ok := v.Line(99); ok {
		t.Error("Line(99)")
	}
	b.Clear()
	v.Refresh()
	if v.Len() != 0 {
		t.Errorf("after Clear: %q", viewTexts(v))
	}
}

func TestViewStaysBounded(t *testing.T) {
	b := NewBuffer(100)
	v := b.NewView(Filter{})
	w := b.Writer("v")
	for i := range 100000 {
		w.Write([]byte("line\n"))
		if i%37 == 0 {
			v.Refresh()
		}
	}
	v.Refresh()
	if v.Len() != 100 || cap(v.seqs) > 4*100 {
		t.Errorf("Len %d, cap %d", v.Len(), cap(v.seqs))
	}
}
