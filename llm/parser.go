package llm

import "sync"

// MaxCompleted is how many completed generations a Parser keeps for
// Completed; its Stats total covers every generation regardless.
const MaxCompleted = 1024

// Parser accumulates the token statistics of one run from console lines.
//
// Lines of one tool's summary form a block (the llama.cpp perf lines ending
// with "total time", the ollama stats ending with "eval rate", or the single
// llama-cli "[ Prompt: … | Generation: … ]" line); a finished block is one
// generation. A block whose last line never came is closed when the next
// block of the same tool starts (a line that comes earlier in the block
// order than one already seen), by Flush, or counted as pending by Stats.
// Blocks of different tools may interleave. Unrecognised, garbled and
// truncated lines are ignored.
//
// A Parser is safe for concurrent use. The zero value is ready to use.
type Parser struct {
	onGeneration func(Stats)

	mu      sync.Mutex
	pending [numFamilies]block
	total   acc
	recent  []Stats // ring of the last MaxCompleted generations
	next    int     // where the next one goes once recent is full
}

type block struct {
	s        Stats
	maxOrder int
	open     bool
}

// NewParser returns a Parser that calls onGeneration (if not nil) with each
// completed generation, outside the parser's lock, on the goroutine that
// called Feed or Flush.
func NewParser(onGeneration func(Stats)) *Parser {
	return &Parser{onGeneration: onGeneration}
}

// Feed parses one line (with or without its trailing newline) and reports
// whether it changed the statistics. Lines that cannot be statistics cost a
// few substring searches.
func (p *Parser) Feed(text string) (updated bool) {
	l, ok := parseLine(text)
	if !ok {
		return false
	}
	var done []Stats
	p.mu.Lock()
	done = p.apply(l, done)
	p.mu.Unlock()
	p.notify(done)
	return true
}

// Flush closes any block still waiting for its last line, making it a
// completed generation, and reports whether there was one.
func (p *Parser) Flush() bool {
	var done []Stats
	p.mu.Lock()
	flushed := false
	for f := range p.pending {
		flushed = flushed || p.pending[f].open
		done = p.finish(family(f), done)
	}
	p.mu.Unlock()
	p.notify(done)
	return flushed
}

// Stats returns the run so far: the Sum of every completed generation and
// of the blocks still pending.
func (p *Parser) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.total
	for _, b := range p.pending {
		if b.open {
			a.add(b.s.withRates())
		}
	}
	return a.stats()
}

// Completed returns the completed generations, oldest first (at most the
// last MaxCompleted).
func (p *Parser) Completed() []Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Stats, 0, len(p.recent))
	for _, s := range p.recent[p.next:] {
		out = append(out, s.clone())
	}
	for _, s := range p.recent[:p.next] {
		out = append(out, s.clone())
	}
	return out
}

// Reset forgets everything, to start a new run.
func (p *Parser) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = [numFamilies]block{}
	p.total = acc{}
	p.recent, p.next = nil, 0
}

func (p *Parser) notify(done []Stats) {
	if p.onGeneration == nil {
		return
	}
	for _, s := range done {
		p.onGeneration(s)
	}
}

// apply adds one line to its family's block; p.mu is held.
func (p *Parser) apply(l line, done []Stats) []Stats {
	f := l.key.family()
	b := &p.pending[f]
	if b.open && l.key.order() <= b.maxOrder {
		done = p.finish(f, done) // the previous block lost its end
	}
	if !b.open {
		*b = block{open: true, maxOrder: -1}
		switch f {
		case famOllama:
			b.s.Source = ToolOllama
		default:
			b.s.Source = ToolLlamaCpp
		}
	}
	b.maxOrder = l.key.order()
	s := &b.s
	if f == famLlama && l.server {
		s.Source = ToolLlamaServer
	}
	switch l.key {
	case keyLlamaLoad, keyOllamaLoad:
		s.LoadSeconds = ptr(l.seconds)
	case keyLlamaTotal, keyOllamaTotal:
		s.TotalSeconds = ptr(l.seconds)
	case keyLlamaPrompt:
		s.PromptSeconds = ptr(l.seconds)
		s.PromptTokens = optional(l.count, l.hasCnt)
		s.PromptTokensPerSecond = optional(l.rate, l.hasRate)
	case keyLlamaEval:
		s.GenerationSeconds = ptr(l.seconds)
		s.GeneratedTokens = optional(l.count, l.hasCnt)
		s.GenerationTokensPerSecond = optional(l.rate, l.hasRate)
	case keyOllamaPromptCount:
		s.PromptTokens = ptr(l.count)
	case keyOllamaPromptDuration:
		s.PromptSeconds = ptr(l.seconds)
	case keyOllamaPromptRate:
		s.PromptTokensPerSecond = ptr(l.rate)
	case keyOllamaEvalCount:
		s.GeneratedTokens = ptr(l.count)
	case keyOllamaEvalDuration:
		s.GenerationSeconds = ptr(l.seconds)
	case keyOllamaEvalRate:
		s.GenerationTokensPerSecond = ptr(l.rate)
	case keyCLIRates:
		s.PromptTokensPerSecond = optional(l.rate, l.hasRate)
		s.GenerationTokensPerSecond = optional(l.rate2, l.hasRate2)
	}
	if l.key.last() {
		done = p.finish(f, done)
	}
	return done
}

// finish moves family f's open block to the completed generations; p.mu is
// held.
func (p *Parser) finish(f family, done []Stats) []Stats {
	b := &p.pending[f]
	if !b.open {
		return done
	}
	s := b.s.withRates()
	*b = block{}
	p.total.add(s)
	if len(p.recent) < MaxCompleted {
		p.recent = append(p.recent, s)
	} else {
		p.recent[p.next] = s
		p.next = (p.next + 1) % MaxCompleted
	}
	if p.onGeneration == nil {
		return done
	}
	return append(done, s.clone())
}

func optional[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}
