package console

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	b := NewBuffer(0)
	var term bytes.Buffer
	next := slog.NewTextHandler(&term, &slog.HandlerOptions{Level: slog.LevelDebug})
	log := slog.New(NewHandler(b, next, slog.LevelInfo))

	log.Debug("only for the terminal")
	log.Info("model loaded", "name", "llama 3", "layers", 32)
	log.With("gpu", 0).WithGroup("mem").Warn("high", "used", 0.97)
	log.Error("bad\x1b]0;title\x07 thing\nsecond line", "err", "a\nb")
	log.Info("plain")

	want := []struct {
		text  string
		level slog.Level
	}{
		{`model loaded name="llama 3" layers=32`, slog.LevelInfo},
		{`high gpu=0 mem.used=0.97`, slog.LevelWarn},
		{`bad thing`, slog.LevelError},
		{`second line err="a\nb"`, slog.LevelError},
		{`plain`, slog.LevelInfo},
	}
	lines := b.LinesAfter(0, 0, nil)
	if len(lines) != len(want) {
		t.Fatalf("buffer: %q", texts(b))
	}
	for i, w := range want {
		l := lines[i]
		if l.Text != w.text || !l.HasLevel || l.Level != w.level || l.Source != SourceLog {
			t.Errorf("line %d: %q %v %v %q, want %q %v", i, l.Text, l.Level, l.HasLevel, l.Source, w.text, w.level)
		}
	}
	out := term.String()
	for _, s := range []string{"only for the terminal", `msg="model loaded"`, "gpu=0 mem.used=0.97", "level=ERROR"} {
		if !strings.Contains(out, s) {
			t.Errorf("terminal output lacks %q:\n%s", s, out)
		}
	}
}

func TestHandlerLevels(t *testing.T) {
	b := NewBuffer(0)
	h := NewHandler(b, nil, slog.LevelWarn)
	ctx := context.Background()
	if h.Enabled(ctx, slog.LevelInfo) || !h.Enabled(ctx, slog.LevelWarn) {
		t.Error("Enabled without next")
	}
	log := slog.New(h)
	log.Info("dropped")
	log.Warn("kept")
	if got := texts(b); len(got) != 1 || got[0] != "kept" {
		t.Errorf("got %q", got)
	}
	if h.WithAttrs(nil) != slog.Handler(h) || h.WithGroup("") != slog.Handler(h) {
		t.Error("empty WithAttrs/WithGroup should return the handler")
	}
	// An unterminated colour in one record does not reach the next.
	log.Warn("\x1b[31mred")
	log.Warn("plain")
	if l, _ := b.At(b.Len() - 1); l.Spans != nil {
		t.Errorf("colour leaked: %+v", l.Spans)
	}
}
