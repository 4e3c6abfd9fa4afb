package console

import (
	"log/slog"
	"time"
)

// Sources used for sysmon's own output. A child's lines use the base name of
// its executable instead.
const (
	SourceStdout = "stdout"
	SourceStderr = "stderr"
	SourceLog    = "log"
)

// Line is one line of console output. Text is valid UTF-8 without control
// characters (tabs excepted) or escape sequences; colours live in Spans.
type Line struct {
	// Seq numbers lines in the order they entered the buffer, starting at 1.
	// It never repeats, even after Clear or a resize, so a reader can keep
	// the last Seq it saw and ask for what came after it.
	Seq    uint64
	Time   time.Time
	Source string
	// Level is meaningful only when HasLevel is true: slog records carry
	// theirs, other lines get one only when their prefix makes it obvious.
	Level    slog.Level
	HasLevel bool
	Text     string
	// Spans mark the coloured or styled parts of Text, in order and without
	// overlap; text outside every span has the default style. It is nil for
	// plain lines, which are most of them.
	Spans []Span
	// Cut reports that the source line was longer than MaxLineBytes: this
	// piece ends where it was cut and the line goes on in the next Line from
	// the same source.
	Cut bool
}

// Span styles the bytes Text[Start:End] of a Line.
type Span struct {
	Start, End int
	Style      Style
}

// Style is the SGR state of a run of text.
type Style struct {
	FG, BG Color
	Attr   Attr
}

// Attr is a set of SGR text attributes.
type Attr uint8

// SGR attributes. Blink and Hidden are kept so that a UI can decide; sysmon
// itself has no reason to blink or hide text.
const (
	Bold Attr = 1 << iota
	Faint
	Italic
	Underline
	Blink
	Inverse
	Hidden
	Strike
)

// Color is a terminal colour: the default colour, an entry of the 256-colour
// xterm palette (0-15 are the classic 16), or a 24-bit colour.
type Color uint32

// DefaultColor is the zero Color: the terminal's foreground or background.
const DefaultColor Color = 0

const (
	colorKindShift = 24
	colorIndexed   = 1 << colorKindShift
	colorRGB       = 2 << colorKindShift
)

// IndexColor returns entry i of the xterm palette.
func IndexColor(i uint8) Color { return colorIndexed | Color(i) }

// RGBColor returns a 24-bit colour.
func RGBColor(r, g, b uint8) Color {
	return colorRGB | Color(r)<<16 | Color(g)<<8 | Color(b)
}

// IsDefault reports whether c is the terminal's default colour.
func (c Color) IsDefault() bool { return c == DefaultColor }

// Index returns the palette index of an indexed colour.
func (c Color) Index() (uint8, bool) {
	if c&^0xffffff != colorIndexed {
		return 0, false
	}
	return uint8(c), true
}

// RGB resolves c to red, green and blue, using the xterm default palette for
// indexed colours. ok is false for DefaultColor, whose value only the UI's
// theme knows.
func (c Color) RGB() (r, g, b uint8, ok bool) {
	switch c &^ 0xffffff {
	case colorRGB:
		return uint8(c >> 16), uint8(c >> 8), uint8(c), true
	case colorIndexed:
		r, g, b = paletteRGB(uint8(c))
		return r, g, b, true
	}
	return 0, 0, 0, false
}

// basic16 holds xterm's default values for the 16 classic colours.
var basic16 = [16][3]uint8{
	{0, 0, 0}, {205, 0, 0}, {0, 205, 0}, {205, 205, 0},
	{0, 0, 238}, {205, 0, 205}, {0, 205, 205}, {229, 229, 229},
	{127, 127, 127}, {255, 0, 0}, {0, 255, 0}, {255, 255, 0},
	{92, 92, 255}, {255, 0, 255}, {0, 255, 255}, {255, 255, 255},
}

func paletteRGB(i uint8) (r, g, b uint8) {
	switch {
	case i < 16:
		c := basic16[i]
		return c[0], c[1], c[2]
	case i < 232:
		// 6x6x6 colour cube.
		i -= 16
		level := func(v uint8) uint8 {
			if v == 0 {
				return 0
			}
			return 55 + 40*v
		}
		return level(i / 36), level(i / 6 % 6), level(i % 6)
	default:
		v := 8 + 10*(i-232)
		return v, v, v
	}
}
