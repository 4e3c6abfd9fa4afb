package console

import (
	"log/slog"
	"strings"
)

// levelFatal is where slog would put fatal, panic and critical messages: above
// Error, so a minimum-level filter at Error keeps them.
const levelFatal = slog.LevelError + 4

// levelTrace sits below Debug, where slog users conventionally put trace.
const levelTrace = slog.LevelDebug - 4

var levelWords = map[string]slog.Level{
	"trace":    levelTrace,
	"debug":    slog.LevelDebug,
	"dbg":      slog.LevelDebug,
	"info":     slog.LevelInfo,
	"notice":   slog.LevelInfo,
	"warn":     slog.LevelWarn,
	"warning":  slog.LevelWarn,
	"error":    slog.LevelError,
	"err":      slog.LevelError,
	"fatal":    levelFatal,
	"panic":    levelFatal,
	"crit":     levelFatal,
	"critical": levelFatal,
}

var levelLetters = map[byte]slog.Level{
	'D': slog.LevelDebug,
	'I': slog.LevelInfo,
	'W': slog.LevelWarn,
	'E': slog.LevelError,
	'F': levelFatal,
}

// guessLevel returns the level a line announces, when it does so in one of
// the common ways: "level=warn" (logfmt, slog's text handler), or a level
// word at the start of the line, possibly after a timestamp and in brackets.
// It prefers saying nothing to guessing from ordinary prose: a capitalised
// "Error" counts only when a colon follows it, and single letters only in the
// glog form ("E0102 ...") or as "E "/"W ", or after a timestamp (llama.cpp's
// "0.00.035.012 I ...").
func guessLevel(s string) (slog.Level, bool) {
	if l, ok := logfmtLevel(s); ok {
		return l, true
	}
	t := strings.TrimLeft(s, " \t")
	stamped := false
	for range 2 {
		tok, rest, _ := strings.Cut(t, " ")
		if !isTimestamp(tok) {
			break
		}
		t = strings.TrimLeft(rest, " ")
		stamped = true
	}
	bracketed := strings.HasPrefix(t, "[")
	if bracketed {
		t = t[1:]
	}
	n := 0
	for n < len(t) && isLetter(t[n]) {
		n++
	}
	word, after := t[:n], t[n:]
	next := byte(0)
	if after != "" {
		next = after[0]
	}
	if bracketed {
		if next != ']' {
			return 0, false
		}
		return levelWord(word)
	}
	if n == 1 {
		l, ok := levelLetters[word[0]]
		if !ok {
			return 0, false
		}
		if isGlogHeader(after) {
			return l, true
		}
		if next == ' ' && (stamped || word[0] == 'E' || word[0] == 'W') {
			return l, true
		}
		return 0, false
	}
	l, ok := levelWord(word)
	if !ok {
		return 0, false
	}
	switch {
	case next == ':':
		return l, true
	case isUpper(word) && (next == 0 || next == ' ' || next == '|' || next == ']' || next == '\t'):
		return l, true
	}
	return 0, false
}

// levelWord looks word up in levelWords ignoring ASCII case, without
// allocating: it runs for nearly every line.
func levelWord(word string) (slog.Level, bool) {
	var lower [len("critical")]byte
	if len(word) > len(lower) {
		return 0, false
	}
	for i := range len(word) {
		c := word[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	l, ok := levelWords[string(lower[:len(word)])]
	return l, ok
}

func isUpper(word string) bool {
	for i := range len(word) {
		if word[i] < 'A' || word[i] > 'Z' {
			return false
		}
	}
	return true
}

func logfmtLevel(s string) (slog.Level, bool) {
	i := strings.Index(s, "level=")
	if i < 0 || (i > 0 && s[i-1] != ' ') {
		return 0, false
	}
	v := s[i+len("level="):]
	if j := strings.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	v = strings.Trim(v, `"`)
	// slog writes levels between the named ones as "WARN+2" or "DEBUG-4".
	if j := strings.IndexAny(v, "+-"); j > 0 {
		v = v[:j]
	}
	return levelWord(v)
}

// isGlogHeader reports whether s continues a glog line after its level
// letter: "mmdd" and a space.
func isGlogHeader(s string) bool {
	if len(s) < 5 || s[4] != ' ' {
		return false
	}
	for i := range 4 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isTimestamp reports whether tok looks like a date, a time or a seconds
// counter: a digit first, then only digits and the punctuation of dates and
// times.
func isTimestamp(tok string) bool {
	if len(tok) < 4 || tok[0] < '0' || tok[0] > '9' {
		return false
	}
	for i := 1; i < len(tok); i++ {
		c := tok[i]
		if (c < '0' || c > '9') && !strings.ContainsRune("-/:.,TZ+", rune(c)) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
