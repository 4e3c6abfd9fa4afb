package console

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func write(t *testing.T, chunks ...string) *Buffer {
	t.Helper()
	b := NewBuffer(0)
	w := b.Writer("test")
	for _, c := range chunks {
		if n, err := w.Write([]byte(c)); n != len(c) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", c, n, err)
		}
	}
	w.Flush()
	return b
}

func TestWriterLines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"lf", []string{"a\nb\n"}, []string{"a", "b"}},
		{"crlf", []string{"a\r\nb\r\n"}, []string{"a", "b"}},
		{"crlf split across writes", []string{"a\r", "\nb\r", "\n"}, []string{"a", "b"}},
		{"empty lines kept", []string{"\n\na\n"}, []string{"", "", "a"}},
		{"partial line joined", []string{"hel", "lo\nwor", "ld"}, []string{"hello", "world"}},
		{"lone cr replaces the line", []string{"10%\r50%\r100%\n"}, []string{"100%"}},
		{"cr then crlf keeps the line", []string{"text\r\r\n"}, []string{"text"}},
		{"trailing cr at end of stream", []string{"abc\r"}, []string{"abc"}},
		{"tab kept", []string{"a\tb\n"}, []string{"a\tb"}},
		{"c0 controls dropped", []string{"a\x00b\x07c\x08d\x7fe\x0cf\n"}, []string{"abcdef"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := texts(write(t, tc.chunks...)); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWriterUTF8(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"valid multibyte", []string{"héllo ✓ 日本 🚀\n"}, []string{"héllo ✓ 日本 🚀"}},
		{"rune split across writes", []string{"a\xe2", "\x9c", "\x93b\n"}, []string{"a✓b"}},
		{"4-byte rune over three writes", []string{"\xf0", "\x9f", "\x9a\x80\n"}, []string{"🚀"}},
		{"split lead then another lead", []string{"\xe2", "\xc3\xa9\n"}, []string{"\uFFFDé"}},
		{"split prefix then ascii", []string{"\xe2\x9c", "x\n"}, []string{"\uFFFDx"}},
		{"split prefix then newline", []string{"\xf0\x9f", "\n"}, []string{"\uFFFD"}},
		{"invalid byte", []string{"a\xffb\n"}, []string{"a\uFFFDb"}},
		{"run of invalid bytes is one replacement", []string{"a\xff\xfe\xfdb\n"}, []string{"a\uFFFDb"}},
		{"truncated rune before newline", []string{"a\xe2\x9c\nb\n"}, []string{"a\uFFFD", "b"}},
		{"truncated rune at end of stream", []string{"a\xe2\x9c"}, []string{"a\uFFFD"}},
		{"overlong encoding", []string{"\xc0\xaf\n"}, []string{"\uFFFD"}},
		{"surrogate half", []string{"\xed\xa0\x80x\n"}, []string{"\uFFFDx"}},
		{"c1 controls dropped", []string{"a\u0085b\u009bc\n"}, []string{"abc"}},
		{"bidi overrides dropped", []string{"admin\u202Etxt.exe\u202C\n"}, []string{"admintxt.exe"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := texts(write(t, tc.chunks...)); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWriterChunkingDoesNotMatter(t *testing.T) {
	// The same bytes give the same lines however the writes split them.
	in := []byte("a\xe2\x9c\x93b\x1b[1;31mred\x1b]0;t\x07\xf0\x9f\x9a\x80\xff\xfe\r\nx\ry\x1b[0m\n\xc3")
	for i := range 64 {
		in = append(in, byte(i*37), byte(0x80+i), '\n')
	}
	whole := write(t, string(in)).LinesAfter(0, 0, nil)
	for _, size := range []int{1, 2, 3, 5, 7} {
		var chunks []string
		for c := range slices.Chunk(in, size) {
			chunks = append(chunks, string(c))
		}
		got := write(t, chunks...).LinesAfter(0, 0, nil)
		if len(got) != len(whole) {
			t.Fatalf("chunks of %d: %d lines, want %d", size, len(got), len(whole))
		}
		for i := range got {
			g, w := got[i], whole[i]
			if g.Text != w.Text || !slices.Equal(g.Spans, w.Spans) || g.Level != w.Level || g.HasLevel != w.HasLevel {
				t.Errorf("chunks of %d, line %d: %q %+v, want %q %+v", size, i, g.Text, g.Spans, w.Text, w.Spans)
			}
		}
	}
}

func TestWriterBinaryGarbage(t *testing.T) {
	// Every byte value, many times over and in a pseudo-random order: the
	// lines must come out valid, free of controls, and bounded.
	var garbage []byte
	x := uint32(1)
	for range 1 << 20 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		garbage = append(garbage, byte(x))
	}
	for i := range 256 {
		garbage = append(garbage, byte(i))
	}
	b := NewBuffer(100000)
	b.SetMaxBytes(1 << 30)
	w := b.Writer("garbage")
	for chunk := range slices.Chunk(garbage, 777) {
		w.Write(chunk)
	}
	w.Flush()
	if b.Len() == 0 {
		t.Fatal("no lines")
	}
	for _, l := range b.LinesAfter(0, 0, nil) {
		checkLine(t, l)
	}
}

// checkLine asserts the invariants every stored line keeps.
func checkLine(t *testing.T, l Line) {
	t.Helper()
	if !utf8.ValidString(l.Text) {
		t.Fatalf("line %d: invalid UTF-8: %q", l.Seq, l.Text)
	}
	if len(l.Text) > MaxLineBytes {
		t.Fatalf("line %d: %d bytes", l.Seq, len(l.Text))
	}
	for _, r := range l.Text {
		if (r < 0x20 && r != '\t') || (r >= 0x7f && r < 0xa0) {
			t.Fatalf("line %d: control %U in %q", l.Seq, r, l.Text)
		}
	}
	end := 0
	for _, s := range l.Spans {
		if s.Start < end || s.End <= s.Start || s.End > len(l.Text) {
			t.Fatalf("line %d: bad span %+v (len %d)", l.Seq, s, len(l.Text))
		}
		end = s.End
	}
}

func TestWriterANSI(t *testing.T) {
	red := Style{FG: IndexColor(1)}
	for _, tc := range []struct {
		name  string
		in    string
		text  string
		spans []Span
	}{
		{"plain", "hello\n", "hello", nil},
		{"colour and reset", "a\x1b[31mred\x1b[0mb\n", "aredb", []Span{{1, 4, red}}},
		{"empty sgr resets", "\x1b[31mr\x1b[mb\n", "rb", []Span{{0, 1, red}}},
		{"bold bright", "\x1b[1;92mok\x1b[22;39m.\n", "ok.", []Span{{0, 2, Style{FG: IndexColor(10), Attr: Bold}}}},
		{"256 colours", "\x1b[38;5;208mo\x1b[48;5;17mb\n", "ob", []Span{
			{0, 1, Style{FG: IndexColor(208)}},
			{1, 2, Style{FG: IndexColor(208), BG: IndexColor(17)}},
		}},
		{"truecolour", "\x1b[38;2;255;128;0mx\n", "x", []Span{{0, 1, Style{FG: RGBColor(255, 128, 0)}}}},
		{"truecolour colon form", "\x1b[38:2::1:2:3mx\n", "x", []Span{{0, 1, Style{FG: RGBColor(1, 2, 3)}}}},
		{"underline colour skipped", "\x1b[58;5;1;4mx\n", "x", []Span{{0, 1, Style{Attr: Underline}}}},
		{"cursor moves stripped", "\x1b[2J\x1b[H\x1b[10;20Hhi\x1b[K\x1b[3A\n", "hi", nil},
		{"private modes stripped", "\x1b[?25lhidden cursor\x1b[?25h\n", "hidden cursor", nil},
		{"private sgr-like sequence is not sgr", "\x1b[>4;2mx\n", "x", nil},
		{"osc title with bel", "\x1b]0;evil title\x07text\n", "text", nil},
		{"osc hyperlink with st", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\n", "link", nil},
		{"dcs stripped", "\x1bPq#0;2;0;0;0\x1b\\after\n", "after", nil},
		{"charset and keypad escapes", "\x1b(B\x1b=\x1b>\x1b7x\x1b8\n", "x", nil},
		{"unterminated csi ends at newline", "\x1b[31\n", "", nil},
		{"unterminated osc ends at newline", "\x1b]0;title\nnext\n", "next", nil},
		{"esc before text byte", "\x1b\x1b[31mx\x1b[0m\n", "x", []Span{{0, 1, red}}},
		{"garbage sgr params", "\x1b[38;5;999mx\x1b[38;2;1mx\n", "xx", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := write(t, tc.in)
			lines := b.LinesAfter(0, 0, nil)
			l := lines[len(lines)-1]
			if tc.name == "unterminated osc ends at newline" {
				if len(lines) != 2 || lines[0].Text != "" {
					t.Fatalf("lines %q", texts(b))
				}
			}
			if l.Text != tc.text || !slices.Equal(l.Spans, tc.spans) {
				t.Errorf("got %q %+v, want %q %+v", l.Text, l.Spans, tc.text, tc.spans)
			}
			checkLine(t, l)
		})
	}
}

func TestWriterANSISplitAndCarry(t *testing.T) {
	// Sequences split across writes, and a colour that carries over to the
	// next line as it would on a terminal.
	b := write(t, "\x1b", "[3", "1mre", "d\nstill red\x1b[", "0m\nplain\n")
	red := Style{FG: IndexColor(1)}
	want := []Line{
		{Text: "red", Spans: []Span{{0, 3, red}}},
		{Text: "still red", Spans: []Span{{0, 9, red}}},
		{Text: "plain"},
	}
	got := b.LinesAfter(0, 0, nil)
	if len(got) != len(want) {
		t.Fatalf("got %q", texts(b))
	}
	for i := range want {
		if got[i].Text != want[i].Text || !slices.Equal(got[i].Spans, want[i].Spans) {
			t.Errorf("line %d: got %q %+v, want %q %+v", i, got[i].Text, got[i].Spans, want[i].Text, want[i].Spans)
		}
	}
}

func TestWriterCutsLongLines(t *testing.T) {
	b := NewBuffer(0)
	w := b.Writer("long")
	// 1 MiB and a bit without a newline, written in odd chunks, with a
	// multibyte rune placed across the cut point.
	long := strings.Repeat("x", MaxLineBytes-1) + "é" + strings.Repeat("y", 1<<20)
	for c := range slices.Chunk([]byte(long), 4093) {
		w.Write(c)
		if n := len(w.text); n > MaxLineBytes {
			t.Fatalf("pending %d bytes", n)
		}
	}
	w.Write([]byte("\x1b[31mEND\x1b[0m\nnext\n"))
	lines := b.LinesAfter(0, 0, nil)
	var joined strings.Builder
	for i, l := range lines[:len(lines)-1] {
		checkLine(t, l)
		last := i == len(lines)-2
		if l.Cut == last {
			t.Errorf("piece %d: Cut = %v", i, l.Cut)
		}
		joined.WriteString(l.Text)
	}
	if lines[0].Text != strings.Repeat("x", MaxLineBytes-1) {
		t.Errorf("first piece is %d bytes; the rune across the cut must move to the next piece", len(lines[0].Text))
	}
	if joined.String() != long+"END" {
		t.Error("pieces do not add up to the line")
	}
	if l := lines[len(lines)-1]; l.Text != "next" || l.Cut {
		t.Errorf("line after the long one: %+v", l)
	}
}

func TestWriterCutPiecesKeepLevel(t *testing.T) {
	b := write(t, "ERROR "+strings.Repeat("z", 2*MaxLineBytes)+"\n")
	for _, l := range b.LinesAfter(0, 0, nil) {
		if !l.HasLevel || l.Level != slog.LevelError {
			t.Errorf("piece %d: level %v %v", l.Seq, l.Level, l.HasLevel)
		}
	}
}

func TestWriterHooks(t *testing.T) {
	b := NewBuffer(0)
	w := b.Writer("hooked")
	var got []Line
	w.OnLine(func(l Line) { got = append(got, l) })
	w.Write([]byte("one\ntwo\npartial"))
	if len(got) != 2 || got[0].Text != "one" || got[1].Seq != got[0].Seq+1 || got[1].Source != "hooked" {
		t.Fatalf("hook got %+v", got)
	}
	if l, _ := b.Get(got[1].Seq); l.Text != "two" {
		t.Errorf("hook ran before the line was stored")
	}
}

func TestGuessLevel(t *testing.T) {
	for _, tc := range []struct {
		line  string
		level slog.Level
		ok    bool
	}{
		{"ERROR something broke", slog.LevelError, true},
		{"ERROR: something broke", slog.LevelError, true},
		{"error: cannot open file", slog.LevelError, true},
		{"Error: cannot open file", slog.LevelError, true},
		{"WARN low memory", slog.LevelWarn, true},
		{"WARNING: low memory", slog.LevelWarn, true},
		{"  INFO starting", slog.LevelInfo, true},
		{"DEBUG x=1", slog.LevelDebug, true},
		{"FATAL out of memory", levelFatal, true},
		{"[error] bad", slog.LevelError, true},
		{"[WARN] careful", slog.LevelWarn, true},
		{"E something", slog.LevelError, true},
		{"W something", slog.LevelWarn, true},
		{"E0102 15:04:05.123456 1 main.go:1] failed", slog.LevelError, true},
		{"I0102 15:04:05.123456 1 main.go:1] hello", slog.LevelInfo, true},
		{"0.00.035.012 I llama_model_loader: loaded", slog.LevelInfo, true},
		{"2024/01/02 15:04:05 WARN disk almost full", slog.LevelWarn, true},
		{"2024-01-02T15:04:05Z ERROR boom", slog.LevelError, true},
		{"time=2024-01-02T15:04:05Z level=WARN msg=hi", slog.LevelWarn, true},
		{`time=x level=ERROR+2 msg="x"`, slog.LevelError, true},
		{"level=debug msg=x", slog.LevelDebug, true},
		// Not obvious: prose, other words, single letters without context.
		{"I think it works", 0, false},
		{"D is for dog", 0, false},
		{"Error handling is done elsewhere", 0, false},
		{"Errors: 0", 0, false},
		{"errorless run", 0, false},
		{"info about the model", 0, false},
		{"llama_model_loader: - kv 0: general.architecture str = llama", 0, false},
		{"main: error: failed to load model", 0, false},
		{"loglevel=debug", 0, false},
		{"", 0, false},
		{"[ERROR", 0, false},
	} {
		l, ok := guessLevel(tc.line)
		if ok != tc.ok || l != tc.level {
			t.Errorf("guessLevel(%q) = %v, %v; want %v, %v", tc.line, l, ok, tc.level, tc.ok)
		}
	}
}

func TestColorRGB(t *testing.T) {
	for _, tc := range []struct {
		c       Color
		r, g, b uint8
		ok      bool
	}{
		{DefaultColor, 0, 0, 0, false},
		{IndexColor(1), 205, 0, 0, true},
		{IndexColor(16), 0, 0, 0, true},
		{IndexColor(196), 255, 0, 0, true},
		{IndexColor(231), 255, 255, 255, true},
		{IndexColor(232), 8, 8, 8, true},
		{IndexColor(255), 238, 238, 238, true},
		{RGBColor(1, 2, 3), 1, 2, 3, true},
	} {
		r, g, b, ok := tc.c.RGB()
		if r != tc.r || g != tc.g || b != tc.b || ok != tc.ok {
			t.Errorf("%#x.RGB() = %d,%d,%d,%v", uint32(tc.c), r, g, b, ok)
		}
	}
	if i, ok := IndexColor(7).Index(); !ok || i != 7 {
		t.Error("Index of an indexed colour")
	}
	if _, ok := RGBColor(7, 7, 7).Index(); ok {
		t.Error("Index of an RGB colour")
	}
	if !DefaultColor.IsDefault() || IndexColor(0).IsDefault() {
		t.Error("IsDefault")
	}
}

func TestWriterNeverInterpretsText(t *testing.T) {
	// Markup and command-looking text arrives as the same plain text.
	in := "<b>bold</b> [color=red]x[/color] $(rm -rf /) `id` %s %n {{.}}"
	if got := texts(write(t, in+"\n")); len(got) != 1 || got[0] != in {
		t.Errorf("got %q", got)
	}
}
