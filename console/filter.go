package console

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Filter decides which lines a View shows. The zero Filter shows every line.
// All conditions must hold for a line to show. A Filter is a value: copy it,
// change the copy, and hand it to View.SetFilter.
type Filter struct {
	// Hide hides lines whose text contains any of these strings, compared
	// exactly; empty strings are ignored.
	Hide []string
	// Search shows only lines whose text contains it, ignoring case; empty
	// shows every line.
	Search string

	re       *regexp.Regexp
	minLevel slog.Level
	levelSet bool
}

// SetRegex shows only lines whose text matches expr (Go RE2 syntax); an empty
// expr removes the condition. A bad expression returns an error and leaves
// the Filter as it was, so a UI can keep showing the last good result while
// the user types.
func (f *Filter) SetRegex(expr string) error {
	if expr == "" {
		f.re = nil
		return nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return fmt.Errorf("regex filter: %w", err)
	}
	f.re = re
	return nil
}

// Regex returns the expression set by SetRegex, or "".
func (f Filter) Regex() string {
	if f.re == nil {
		return ""
	}
	return f.re.String()
}

// SetMinLevel shows only lines with a known level of at least l. Lines whose
// level is unknown are hidden too: asking for warnings and worse should not
// show the thousands of plain lines around them.
func (f *Filter) SetMinLevel(l slog.Level) { f.minLevel, f.levelSet = l, true }

// ClearMinLevel removes the level condition.
func (f *Filter) ClearMinLevel() { f.levelSet = false }

// MinLevel returns the level set by SetMinLevel; ok is false when none is.
func (f Filter) MinLevel() (l slog.Level, ok bool) { return f.minLevel, f.levelSet }

// Match reports whether l passes the filter.
func (f Filter) Match(l *Line) bool {
	if f.levelSet && (!l.HasLevel || l.Level < f.minLevel) {
		return false
	}
	for _, h := range f.Hide {
		if h != "" && strings.Contains(l.Text, h) {
			return false
		}
	}
	if f.Search != "" && !containsFold(l.Text, f.Search) {
		return false
	}
	if f.re != nil && !f.re.MatchString(l.Text) {
		return false
	}
	return true
}

// clone returns a Filter that shares nothing mutable with f, so that a caller
// changing its Hide slice afterwards does not change a View's filter.
func (f Filter) clone() Filter {
	f.Hide = append([]string(nil), f.Hide...)
	return f
}

// containsFold reports whether substr is within s under simple Unicode case
// folding, without allocating: it runs for every line on every filter change.
func containsFold(s, substr string) bool {
	if substr == "" {
		return true
	}
	for i := 0; i < len(s); {
		if hasPrefixFold(s[i:], substr) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		if s[0] < utf8.RuneSelf && prefix[0] < utf8.RuneSelf {
			a, b := s[0], prefix[0]
			if a != b && lowerASCII(a) != lowerASCII(b) {
				return false
			}
			s, prefix = s[1:], prefix[1:]
			continue
		}
		r1, n1 := utf8.DecodeRuneInString(s)
		r2, n2 := utf8.DecodeRuneInString(prefix)
		if r1 != r2 && !equalFoldRune(r1, r2) {
			return false
		}
		s, prefix = s[n1:], prefix[n2:]
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFoldRune(a, b rune) bool {
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}
