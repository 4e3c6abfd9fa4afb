package llm

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// This file turns one console line into at most one statistic. It is pure
// (no state) and allocation-free on lines that do not match.

// key names the statistic a line carries.
type key uint8

const (
	keyNone key = iota
	// llama.cpp perf summary (llama_perf_context_print, llama_print_timings,
	// llama-server print_timings), in print order.
	keyLlamaLoad
	keyLlamaPrompt
	keyLlamaEval
	keyLlamaTotal
	// ollama run --verbose, in print order.
	keyOllamaTotal
	keyOllamaLoad
	keyOllamaPromptCount
	keyOllamaPromptDuration
	keyOllamaPromptRate
	keyOllamaEvalCount
	keyOllamaEvalDuration
	keyOllamaEvalRate
	// llama-cli "[ Prompt: 123.4 t/s | Generation: 45.6 t/s ]".
	keyCLIRates
)

// family is the group of lines that make up one block.
type family uint8

const (
	famLlama family = iota
	famOllama
	famCLI
	numFamilies
)

func (k key) family() family {
	switch {
	case k >= keyLlamaLoad && k <= keyLlamaTotal:
		return famLlama
	case k >= keyOllamaTotal && k <= keyOllamaEvalRate:
		return famOllama
	}
	return famCLI
}

// order is the position of k in its block, used to notice that a new block
// began when the previous one lost its last line.
func (k key) order() int {
	switch k.family() {
	case famLlama:
		return int(k - keyLlamaLoad)
	case famOllama:
		return int(k - keyOllamaTotal)
	}
	return 0
}

// last reports whether k ends a block.
func (k key) last() bool {
	return k == keyLlamaTotal || k == keyOllamaEvalRate || k == keyCLIRates
}

// line is what one console line said.
type line struct {
	key      key
	seconds  float64 // a duration (llama.cpp: converted from ms)
	hasSec   bool
	count    int64
	hasCnt   bool
	rate     float64 // tokens per second (llama-cli: the prompt rate)
	hasRate  bool
	rate2    float64 // llama-cli: the generation rate
	hasRate2 bool
	server   bool // llama.cpp line that came from llama-server
}

// mayMatch is the fast pre-check. Every line a parser accepts has an '='
// and "time" (llama.cpp) or a ':' and "eval", "duration" or "Generation"
// (ollama, llama-cli); most console text fails at the two byte searches.
func mayMatch(s string) bool {
	if strings.IndexByte(s, '=') >= 0 && strings.Contains(s, "time") {
		return true
	}
	return strings.IndexByte(s, ':') >= 0 &&
		(strings.Contains(s, "eval") || strings.Contains(s, "duration") || strings.Contains(s, "Generation"))
}

// parseLine recognises one line. It returns ok false for anything that is
// not a complete statistic: other text, garbled or truncated lines.
func parseLine(s string) (l line, ok bool) {
	// Escape sequences only add bytes, so a line that fails the pre-check
	// with them fails it without them too (short of a code in the middle of
	// a keyword, which no tool prints).
	if !mayMatch(s) {
		return line{}, false
	}
	if strings.IndexByte(s, 0x1b) >= 0 {
		if s = stripANSI(s); !mayMatch(s) {
			return line{}, false
		}
	}
	if l, ok = parseLlama(s); ok {
		return l, true
	}
	if l, ok = parseOllama(s); ok {
		return l, true
	}
	return parseCLI(s)
}

// stripANSI removes ANSI escape sequences (CSI "ESC [ ... final", OSC
// "ESC ] ... BEL|ESC \", and two-byte escapes).
func stripANSI(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != 0x1b {
			b.WriteByte(c)
			i++
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '[':
			i++
			for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
				i++
			}
			i++ // the final byte
		case ']':
			i++
			for i < len(s) {
				if s[i] == 0x07 {
					i++
					break
				}
				if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
					i += 2
					break
				}
				i++
			}
		default:
			i++
		}
	}
	return b.String()
}

// ---- llama.cpp ----

// parseLlama accepts "<label> time = <ms> ms [/ <n> tokens|runs [(<x> ms
// per token, <r> tokens per second)]]" anywhere in the line, after any
// prefix: "llama_print_timings:", "llama_perf_context_print:",
// "print_timings:", a timestamp, a JSON "msg":" field.
func parseLlama(s string) (line, bool) {
	from := 0
	for {
		j := strings.Index(s[from:], "time")
		if j < 0 {
			return line{}, false
		}
		j += from
		from = j + 4
		eq := skipSpaces(s, j+4)
		if eq >= len(s) || s[eq] != '=' || j == 0 || s[j-1] != ' ' {
			continue
		}
		var k key
		before := strings.TrimRight(s[:j], " \t")
		switch {
		case hasWordSuffix(before, "prompt eval"):
			k = keyLlamaPrompt
		case hasWordSuffix(before, "eval"):
			k = keyLlamaEval
		case hasWordSuffix(before, "load"):
			k = keyLlamaLoad
		case hasWordSuffix(before, "total"):
			k = keyLlamaTotal
		default: // "sample time", "sampling time", prose
			continue
		}
		l, ok := parseLlamaValues(s, eq+1)
		if !ok {
			return line{}, false
		}
		l.key = k
		l.server = (k == keyLlamaEval && l.server) || serverPrefix(before)
		return l, true
	}
}

func parseLlamaValues(s string, i int) (line, bool) {
	var l line
	ms, i, ok := scanNumber(s, skipSpaces(s, i))
	if !ok || ms < 0 || !hasWordAt(s, skipSpaces(s, i), "ms") {
		return line{}, false
	}
	l.seconds, l.hasSec = ms/1000, true
	i = skipSpaces(s, i) + 2
	// "/ 12 tokens" or "/ 99 runs"
	i = skipSpaces(s, i)
	if i >= len(s) || s[i] != '/' {
		return l, true
	}
	n, j, ok := scanInt(s, skipSpaces(s, i+1))
	if !ok {
		return l, true
	}
	j = skipSpaces(s, j)
	switch {
	case hasWordAt(s, j, "tokens"), hasWordAt(s, j, "token"):
		l.count, l.hasCnt = n, true
		l.server = true // only meaningful on the eval line: llama-cli says "runs" there
	case hasWordAt(s, j, "runs"), hasWordAt(s, j, "run"):
		l.count, l.hasCnt = n, true
	default:
		return l, true
	}
	// "( 47.32 ms per token, 21.13 tokens per second)": the number just
	// before "tokens per second"; "inf"/"nan" (zero-length phases) leave
	// the rate absent.
	rest := s[j:]
	p := strings.Index(rest, "tokens per second")
	if p <= 0 {
		return l, true
	}
	end := p
	for end > 0 && rest[end-1] == ' ' {
		end--
	}
	start := end
	for start > 0 && isNumByte(rest[start-1]) {
		start--
	}
	if start < end {
		if r, k, ok := scanNumber(rest[:end], start); ok && k == end && r >= 0 {
			l.rate, l.hasRate = r, true
		}
	}
	return l, true
}

// serverPrefix reports whether a llama.cpp line's prefix is llama-server's
// ("slot print_timing: id 0 | task 1 |", "print_timings:", a JSON log with
// "function":"print_timings") rather than llama_print_timings.
func serverPrefix(before string) bool {
	for i := 0; ; {
		j := strings.Index(before[i:], "print_timing")
		if j < 0 {
			return false
		}
		j += i
		if j == 0 || before[j-1] != '_' {
			return true
		}
		i = j + 1
	}
}

// ---- ollama ----

// parseOllama accepts the eight "ollama run --verbose" lines, e.g.
// "eval rate:            63.60 tokens/s", after any prefix, and requires
// nothing but blanks after the value so prose does not match.
func parseOllama(s string) (line, bool) {
	c := strings.IndexByte(s, ':')
	for c >= 0 {
		if l, ok := parseOllamaAt(s, c); ok {
			return l, true
		}
		n := strings.IndexByte(s[c+1:], ':')
		if n < 0 {
			break
		}
		c += 1 + n
	}
	return line{}, false
}

func parseOllamaAt(s string, colon int) (line, bool) {
	label := s[:colon]
	var k key
	switch {
	case strings.HasSuffix(label, "duration"):
		switch {
		case hasWordSuffix(label, "total duration"):
			k = keyOllamaTotal
		case hasWordSuffix(label, "load duration"):
			k = keyOllamaLoad
		case hasWordSuffix(label, "prompt eval duration"):
			k = keyOllamaPromptDuration
		case hasWordSuffix(label, "eval duration"):
			k = keyOllamaEvalDuration
		}
	case strings.HasSuffix(label, "count"):
		switch {
		case hasWordSuffix(label, "prompt eval count"):
			k = keyOllamaPromptCount
		case hasWordSuffix(label, "eval count"):
			k = keyOllamaEvalCount
		}
	case strings.HasSuffix(label, "rate"):
		switch {
		case hasWordSuffix(label, "prompt eval rate"):
			k = keyOllamaPromptRate
		case hasWordSuffix(label, "eval rate"):
			k = keyOllamaEvalRate
		}
	}
	if k == keyNone {
		return line{}, false
	}
	l := line{key: k}
	i := skipSpaces(s, colon+1)
	switch k {
	case keyOllamaTotal, keyOllamaLoad, keyOllamaPromptDuration, keyOllamaEvalDuration:
		j := i
		for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' {
			j++
		}
		if j == i || !blank(s[j:]) {
			return line{}, false
		}
		d, err := time.ParseDuration(s[i:j])
		if err != nil || d < 0 {
			return line{}, false
		}
		l.seconds, l.hasSec = d.Seconds(), true
	case keyOllamaPromptCount, keyOllamaEvalCount:
		n, j, ok := scanInt(s, i)
		if !ok {
			return line{}, false
		}
		j = skipSpaces(s, j)
		unit := "token(s)"
		if !strings.HasPrefix(s[j:], unit) {
			unit = "tokens"
			if !strings.HasPrefix(s[j:], unit) {
				return line{}, false
			}
		}
		if !blank(s[j+len(unit):]) {
			return line{}, false
		}
		l.count, l.hasCnt = n, true
	default: // rates
		r, j, ok := scanNumber(s, i)
		if !ok || r < 0 {
			return line{}, false
		}
		j = skipSpaces(s, j)
		if !strings.HasPrefix(s[j:], "tokens/s") || !blank(s[j+len("tokens/s"):]) {
			return line{}, false
		}
		l.rate, l.hasRate = r, true
	}
	return l, true
}

// ---- llama-cli one-line summary ----

// parseCLI accepts "[ Prompt: 123.4 t/s | Generation: 45.6 t/s ]"; the
// prompt part is optional, the generation part is not.
func parseCLI(s string) (line, bool) {
	g := strings.Index(s, "Generation:")
	if g < 0 {
		return line{}, false
	}
	r, ok := cliRate(s, g+len("Generation:"))
	if !ok {
		return line{}, false
	}
	l := line{key: keyCLIRates, rate2: r, hasRate2: true}
	if p := strings.Index(s[:g], "Prompt:"); p >= 0 {
		if r, ok := cliRate(s, p+len("Prompt:")); ok {
			l.rate, l.hasRate = r, true
		}
	}
	return l, true
}

func cliRate(s string, i int) (float64, bool) {
	r, j, ok := scanNumber(s, skipSpaces(s, i))
	if !ok || r < 0 {
		return 0, false
	}
	return r, strings.HasPrefix(s[skipSpaces(s, j):], "t/s")
}

// ---- helpers ----

func skipSpaces(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' || c == '_' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNumByte(c byte) bool { return isDigit(c) || c == '.' || c == ',' }

// hasWordSuffix reports whether s ends with word, which starts at a word
// boundary ("reload" does not end with the word "load").
func hasWordSuffix(s, word string) bool {
	if !strings.HasSuffix(s, word) {
		return false
	}
	n := len(s) - len(word)
	return n == 0 || !isLetter(s[n-1])
}

// hasWordAt reports whether word starts at s[i] and is not followed by a letter.
func hasWordAt(s string, i int, word string) bool {
	if i > len(s) || !strings.HasPrefix(s[i:], word) {
		return false
	}
	e := i + len(word)
	return e == len(s) || !isLetter(s[e])
}

// scanNumber reads a non-negative or signed decimal at s[i] ("1234.56",
// "1,234.56", "1e+06", "47,32" as a decimal comma) and returns it with the
// index after it. It refuses inf and nan.
func scanNumber(s string, i int) (float64, int, bool) {
	start := i
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits, commas, dots := 0, 0, 0
loop:
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == ',' && digits > 0 && dots == 0 && i+1 < len(s) && isDigit(s[i+1]):
			commas++
		case c == '.' && dots == 0:
			dots++
		default:
			break loop
		}
	}
	if digits == 0 {
		return 0, start, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	tok := s[start:i]
	if commas > 0 {
		var ok bool
		if tok, ok = normalizeCommas(tok, dots > 0); !ok {
			return 0, start, false
		}
	}
	v, err := strconv.ParseFloat(tok, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, start, false
	}
	return v, i, true
}

// normalizeCommas turns thousands separators ("1,234,567.8", "1,234") into
// nothing and a lone decimal comma ("47,32") into a dot.
func normalizeCommas(tok string, hasDot bool) (string, bool) {
	groups := strings.Split(tok, ",")
	thousands := true
	for _, g := range groups[1:] {
		digits := g
		if k := strings.IndexAny(g, ".eE"); k >= 0 {
			digits = g[:k]
		}
		if len(digits) != 3 {
			thousands = false
		}
	}
	switch {
	case thousands:
		return strings.Join(groups, ""), true
	case !hasDot && len(groups) == 2:
		return groups[0] + "." + groups[1], true
	}
	return "", false
}

// scanInt reads a non-negative integer, with optional thousands separators.
func scanInt(s string, i int) (int64, int, bool) {
	start := i
	var n int64
	digits := 0
	for ; i < len(s); i++ {
		c := s[i]
		if isDigit(c) {
			if n > (math.MaxInt64-9)/10 {
				return 0, start, false
			}
			n = n*10 + int64(c-'0')
			digits++
			continue
		}
		if c == ',' && digits > 0 && i+1 < len(s) && isDigit(s[i+1]) {
			// a thousands separator is followed by exactly three digits
			if i+3 < len(s) && isDigit(s[i+2]) && isDigit(s[i+3]) && (i+4 == len(s) || !isDigit(s[i+4])) {
				continue
			}
			return 0, start, false
		}
		break
	}
	if digits == 0 || (i < len(s) && s[i] == '.') {
		return 0, start, false
	}
	return n, i, true
}
