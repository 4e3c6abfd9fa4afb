package console

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
)

// Handler is a slog.Handler that stores each record in a Buffer, as a line
// from SourceLog with the record's level, and passes it to another handler.
type Handler struct {
	next  slog.Handler
	level slog.Leveler
	text  slog.Handler // formats attributes for the buffer; writes to sink
	sink  *recordSink
}

// recordSink receives the text handler's output for one record at a time;
// its mutex is shared by every Handler derived from the same NewHandler, so
// the message and level it adds belong to the record being written.
type recordSink struct {
	mu  sync.Mutex
	w   *Writer
	out bytes.Buffer
}

func (s *recordSink) Write(p []byte) (int, error) { return s.out.Write(p) }

// NewHandler returns a Handler that stores records of at least level in b
// (nil means slog.LevelInfo) and passes every record to next, which decides
// for itself what it keeps; next may be nil.
//
// When stderr is captured, next must write to the original stderr (see
// Terminal), or each record would reach the buffer a second time as stderr.
func NewHandler(b *Buffer, next slog.Handler, level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	sink := &recordSink{w: b.Writer(SourceLog)}
	text := slog.NewTextHandler(sink, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			// Time and level are fields of the Line, and the message is put
			// first, bare, for people to read.
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	return &Handler{next: next, level: level, text: text, sink: sink}
}

// Enabled reports whether the buffer or the next handler wants the level.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level.Level() || (h.next != nil && h.next.Enabled(ctx, l))
}

// Handle stores r and passes it on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	if r.Level >= h.level.Level() {
		errs = append(errs, h.store(ctx, r))
	}
	if h.next != nil && h.next.Enabled(ctx, r.Level) {
		errs = append(errs, h.next.Handle(ctx, r))
	}
	return errors.Join(errs...)
}

func (h *Handler) store(ctx context.Context, r slog.Record) error {
	s := h.sink
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out.Reset()
	s.out.WriteString(r.Message)
	mark := s.out.Len()
	s.out.WriteByte(' ')
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	line := s.out.Bytes()
	line = bytes.TrimSuffix(line, []byte("\n"))
	if len(line) == mark+1 { // no attributes
		line = line[:mark]
	}
	w := s.w
	w.mu.Lock()
	defer w.mu.Unlock()
	w.level, w.hasLevel = r.Level, true
	// Newlines in attribute values are quoted by the text handler; those in
	// the message split it into lines that all get the record's level.
	w.write(line)
	w.write([]byte{'\n'})
	// Nothing a message holds, such as an unterminated colour, may carry over
	// to the next record.
	w.hasLevel, w.style, w.state = false, Style{}, stGround
	return nil
}

// WithAttrs returns a Handler whose records carry attrs, in the buffer and
// in the next handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.text = h.text.WithAttrs(attrs)
	if h.next != nil {
		h2.next = h.next.WithAttrs(attrs)
	}
	return &h2
}

// WithGroup returns a Handler that puts later attributes in group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.text = h.text.WithGroup(name)
	if h.next != nil {
		h2.next = h.next.WithGroup(name)
	}
	return &h2
}
