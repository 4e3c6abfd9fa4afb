package console

import (
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// MaxLineBytes is the longest Text a Line gets. A longer source line is cut
// into pieces of at most this size, each but the last marked Cut, so that a
// program printing megabytes without a newline holds at most this much in a
// Writer.
const MaxLineBytes = 64 << 10

// maxCSIParams bounds the parameter bytes kept for one control sequence. Real
// SGR sequences are far shorter; a longer one is garbage and is dropped whole.
const maxCSIParams = 64

type parseState uint8

const (
	stGround    parseState = iota
	stEsc                  // after ESC
	stEscInter             // after ESC and intermediate bytes
	stCSI                  // inside ESC [ ... final
	stString               // inside OSC, DCS, SOS, PM or APC, until BEL or ST
	stStringEsc            // ESC seen inside a string: ST if '\' follows
)

// Writer turns a byte stream into lines of a Buffer. It keeps the terminal
// state between writes (a line, a UTF-8 sequence or an escape sequence may be
// split across them, and colours carry over from line to line as they do on
// a terminal), so each stream needs its own Writer. It is safe for concurrent
// use, though concurrent writers interleave their bytes as they would on a
// terminal.
//
// A line ends at "\n" or "\r\n". A lone "\r" returns to the start of the
// line as on a terminal: text that follows replaces the line, so a progress
// bar redrawn with "\r" is one line, not thousands.
type Writer struct {
	mu     sync.Mutex
	buf    *Buffer
	source string
	hooks  []func(Line)

	// level, when hasLevel, is given to every line instead of a guess; the
	// slog handler sets it for the duration of one record.
	level    slog.Level
	hasLevel bool

	state       parseState
	style       Style
	params      []byte
	badCSI      bool // the sequence is not a plain SGR, or its parameters overflowed
	text        []byte
	spans       []Span
	overwrite   bool // a lone CR was seen: the next text replaces the line
	replaced    bool // the text ends with a U+FFFD that stands for invalid input
	contLevel   slog.Level
	contLeveled bool
	cont        bool   // the pending text continues a line that was cut
	carry       []byte // the start of a UTF-8 sequence that the last write split
}

// Writer returns a Writer that appends lines from source to b.
func (b *Buffer) Writer(source string) *Writer {
	return &Writer{buf: b, source: source}
}

// OnLine registers fn to receive every line this Writer stores, after it is
// in the buffer (so Seq is set). fn runs on the writing goroutine while the
// Writer is locked: it must be quick and must not write to this Writer. A
// slow fn slows the producer down rather than queueing lines without bound.
func (w *Writer) OnLine(fn func(Line)) {
	w.mu.Lock()
	w.hooks = append(w.hooks, fn)
	w.mu.Unlock()
}

// Write parses p and stores each line it completes. It never fails.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.write(p)
	return len(p), nil
}

// Flush stores the pending partial line, if there is one, as a line of its
// own: a stream that ends without a newline still shows its last words.
func (w *Writer) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.flushLocked()
}

func (w *Writer) flushLocked() {
	if len(w.carry) > 0 {
		// The stream ended inside a UTF-8 sequence.
		w.carry = w.carry[:0]
		w.addInvalid()
	}
	if len(w.text) > 0 {
		w.emit(false)
	}
	w.overwrite, w.cont = false, false
}

func (w *Writer) write(p []byte) {
	// Finish a UTF-8 sequence the last write split, taking bytes from p;
	// copying p behind the carry instead would cost a copy of every write.
	for len(w.carry) > 0 && len(p) > 0 {
		c, k := w.carry, len(w.carry)
		n := 0
		for !utf8.FullRune(c) && n < len(p) {
			c = append(c, p[n])
			n++
		}
		if !utf8.FullRune(c) {
			w.carry = c
			return
		}
		r, size := utf8.DecodeRune(c)
		w.addRune(r, c[:size])
		if size >= k {
			p = p[size-k:]
			w.carry = c[:0]
		} else {
			// An invalid sequence: its first byte is consumed and the rest of
			// the old carry is looked at again; p is untouched.
			w.carry = append(c[:0], c[1:k]...)
		}
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch w.state {
		case stGround:
			switch {
			case c >= 0x20 && c < 0x7f:
				j := i + 1
				for j < len(p) && p[j] >= 0x20 && p[j] < 0x7f {
					j++
				}
				w.addASCII(p[i:j])
				i = j
			case c >= 0x80:
				if !utf8.FullRune(p[i:]) {
					w.carry = append(w.carry[:0], p[i:]...)
					return
				}
				r, size := utf8.DecodeRune(p[i:])
				w.addRune(r, p[i:i+size])
				i += size
			default:
				w.control(c)
				i++
			}
			continue
		case stEsc:
			switch {
			case c == '[':
				w.state, w.params, w.badCSI = stCSI, w.params[:0], false
			case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
				w.state = stString
			case c >= 0x20 && c <= 0x2f:
				w.state = stEscInter
			case c >= 0x30 && c <= 0x7e:
				w.state = stGround
			case c == 0x1b:
			default:
				w.state = stGround
				continue // let the ground state handle the control or text byte
			}
		case stEscInter:
			switch {
			case c >= 0x20 && c <= 0x2f:
			case c >= 0x30 && c <= 0x7e:
				w.state = stGround
			default:
				w.state = stGround
				continue
			}
		case stCSI:
			switch {
			case c >= 0x3c && c <= 0x3f: // private marker: not SGR
				w.badCSI = true
			case c >= 0x30 && c <= 0x3b:
				if len(w.params) < maxCSIParams {
					w.params = append(w.params, c)
				} else {
					w.badCSI = true
				}
			case c >= 0x20 && c <= 0x2f: // intermediate byte: not SGR
				w.badCSI = true
			case c >= 0x40 && c <= 0x7e:
				if c == 'm' && !w.badCSI {
					w.style = applySGR(w.style, w.params)
				}
				w.state = stGround
			case c == 0x7f:
			default:
				// A control, ESC or non-ASCII byte ends a malformed sequence;
				// a newline in particular must never be swallowed.
				w.state = stGround
				continue
			}
		case stString:
			switch c {
			case 0x07:
				w.state = stGround
			case 0x1b:
				w.state = stStringEsc
			case '\n', '\r', 0x18, 0x1a:
				w.state = stGround
				continue
			}
		case stStringEsc:
			if c == '\\' {
				w.state = stGround
			} else {
				w.state = stEsc
				continue
			}
		}
		i++
	}
}

func (w *Writer) control(c byte) {
	switch c {
	case '\n':
		w.emit(false)
		w.overwrite = false
	case '\r':
		w.overwrite = true
	case '\t':
		w.addASCII([]byte{'\t'})
	case 0x1b:
		w.state = stEsc
	}
	// Every other C0 control (BEL, backspace, NUL, ...) is dropped: none of
	// them has a meaning in a list of lines.
}

// beforeText applies a pending carriage return.
func (w *Writer) beforeText() {
	if w.overwrite {
		w.text, w.spans = w.text[:0], w.spans[:0]
		w.overwrite = false
	}
}

func (w *Writer) addASCII(b []byte) {
	w.beforeText()
	for len(b) > 0 {
		room := MaxLineBytes - len(w.text)
		if room == 0 {
			w.emit(true)
			room = MaxLineBytes
		}
		n := min(room, len(b))
		start := len(w.text)
		w.text = append(w.text, b[:n]...)
		w.styled(start, len(w.text))
		b = b[n:]
	}
	w.replaced = false
}

func (w *Writer) addRune(r rune, raw []byte) {
	switch {
	case r == utf8.RuneError && len(raw) == 1:
		w.addInvalid()
		return
	case r < 0xa0, // C1 controls
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi overrides and isolates
		// Dropped: they would make the UI show something other than the text.
		return
	}
	w.addBytes(raw)
	w.replaced = false
}

// addInvalid stands one U+FFFD for a run of invalid bytes, as
// strings.ToValidUTF8 does, so that binary garbage does not triple in size.
func (w *Writer) addInvalid() {
	if w.replaced && !w.overwrite {
		return
	}
	w.addBytes([]byte(string(utf8.RuneError)))
	w.replaced = true
}

// addBytes appends one encoded rune, cutting the line first if it would not
// fit, so that no piece ends inside a UTF-8 sequence.
func (w *Writer) addBytes(raw []byte) {
	w.beforeText()
	if len(w.text)+len(raw) > MaxLineBytes {
		w.emit(true)
	}
	start := len(w.text)
	w.text = append(w.text, raw...)
	w.styled(start, len(w.text))
}

func (w *Writer) styled(start, end int) {
	if w.style == (Style{}) {
		return
	}
	if k := len(w.spans) - 1; k >= 0 && w.spans[k].End == start && w.spans[k].Style == w.style {
		w.spans[k].End = end
		return
	}
	w.spans = append(w.spans, Span{Start: start, End: end, Style: w.style})
}

// emit stores the pending text as a line; cut says the source line goes on.
func (w *Writer) emit(cut bool) {
	l := Line{Time: time.Now(), Source: w.source, Text: string(w.text), Cut: cut}
	if len(w.spans) > 0 {
		l.Spans = append([]Span(nil), w.spans...)
	}
	switch {
	case w.hasLevel:
		l.Level, l.HasLevel = w.level, true
	case w.cont:
		// A piece of a cut line has the level of the line's first piece.
		l.Level, l.HasLevel = w.contLevel, w.contLeveled
	default:
		l.Level, l.HasLevel = guessLevel(l.Text)
	}
	w.cont = cut
	w.contLevel, w.contLeveled = l.Level, l.HasLevel
	w.text, w.spans = w.text[:0], w.spans[:0]
	w.replaced = false
	w.buf.append(&l)
	for _, fn := range w.hooks {
		fn(l)
	}
}
