package llm

// Tool names the program that printed a set of statistics.
type Tool string

// The tools the parsers recognise. ToolMixed is the Source of a Sum over
// statistics from different tools.
const (
	ToolLlamaCpp    Tool = "llama.cpp"    // llama-cli and other llama.cpp programs (llama_perf_* / llama_print_timings)
	ToolLlamaServer Tool = "llama-server" // llama-server's per-request print_timings
	ToolOllama      Tool = "ollama"       // ollama run --verbose
	ToolMixed       Tool = "mixed"
)

// Stats are the token statistics of one generation or, summed, of one run.
// Every field is optional: nil means the tool did not print it (or a rate
// could not be computed without dividing by zero), never 0.
type Stats struct {
	PromptTokens              *int64   `json:"prompt_tokens,omitempty"`
	GeneratedTokens           *int64   `json:"generated_tokens,omitempty"`
	PromptSeconds             *float64 `json:"prompt_seconds,omitempty"`
	GenerationSeconds         *float64 `json:"generation_seconds,omitempty"`
	LoadSeconds               *float64 `json:"load_seconds,omitempty"`
	TotalSeconds              *float64 `json:"total_seconds,omitempty"`
	PromptTokensPerSecond     *float64 `json:"prompt_tokens_per_second,omitempty"`
	GenerationTokensPerSecond *float64 `json:"generation_tokens_per_second,omitempty"`
	// Source is the tool that printed the statistics; "" when unknown
	// (a string, so the empty value is its absent form).
	Source Tool `json:"source,omitempty"`
}

// IsZero reports whether no field is set.
func (s Stats) IsZero() bool {
	return s.PromptTokens == nil && s.GeneratedTokens == nil && s.PromptSeconds == nil &&
		s.GenerationSeconds == nil && s.LoadSeconds == nil && s.TotalSeconds == nil &&
		s.PromptTokensPerSecond == nil && s.GenerationTokensPerSecond == nil && s.Source == ""
}

// withRates returns s with each missing rate computed from its count and
// duration when both are present and the duration is positive.
func (s Stats) withRates() Stats {
	if s.PromptTokensPerSecond == nil {
		s.PromptTokensPerSecond = divide(s.PromptTokens, s.PromptSeconds)
	}
	if s.GenerationTokensPerSecond == nil {
		s.GenerationTokensPerSecond = divide(s.GeneratedTokens, s.GenerationSeconds)
	}
	return s
}

// clone returns s with its own copies of the pointed-to values, so a
// caller that writes through them cannot change the parser's state.
func (s Stats) clone() Stats {
	c := s
	for _, p := range []**int64{&c.PromptTokens, &c.GeneratedTokens} {
		if *p != nil {
			*p = ptr(**p)
		}
	}
	for _, p := range []**float64{&c.PromptSeconds, &c.GenerationSeconds, &c.LoadSeconds, &c.TotalSeconds,
		&c.PromptTokensPerSecond, &c.GenerationTokensPerSecond} {
		if *p != nil {
			*p = ptr(**p)
		}
	}
	return c
}

func divide(tokens *int64, seconds *float64) *float64 {
	if tokens == nil || seconds == nil || !(*seconds > 0) || *tokens < 0 {
		return nil
	}
	return ptr(float64(*tokens) / *seconds)
}

func ptr[T any](v T) *T { return &v }

// Sum totals several statistics: counts and durations are summed over the
// entries that have them (absent when none has), and the rates are
// recomputed from the sums as total tokens / total seconds over the entries
// that have both a count and a duration (or a count and the tool's own
// rate). A single entry keeps the tool's own rate. When no entry has a count
// with a duration, the rate is the plain mean of the tools' own rates (the
// one-line llama-cli summary prints nothing else). Source is the common
// tool, ToolMixed when they differ.
func Sum(list []Stats) Stats {
	var a acc
	for _, s := range list {
		a.add(s)
	}
	return a.stats()
}

// acc accumulates Stats; Sum and Parser share it, so a parser's total over
// thousands of generations costs no memory per generation.
type acc struct {
	n              int
	promptTok      optInt
	genTok         optInt
	promptSec      optFloat
	genSec         optFloat
	loadSec        optFloat
	totalSec       optFloat
	promptRate     rateAcc
	genRate        rateAcc
	source         Tool
	sourceMixed    bool
	singlePrompt   *float64 // the own rates of the first entry, for n == 1
	singleGenerate *float64
}

type optInt struct {
	v   int64
	set bool
}

func (o *optInt) add(p *int64) {
	if p != nil {
		o.v += *p
		o.set = true
	}
}

func (o optInt) ptr() *int64 {
	if !o.set {
		return nil
	}
	return ptr(o.v)
}

type optFloat struct {
	v   float64
	set bool
}

func (o *optFloat) add(p *float64) {
	if p != nil {
		o.v += *p
		o.set = true
	}
}

func (o optFloat) ptr() *float64 {
	if !o.set {
		return nil
	}
	return ptr(o.v)
}

type rateAcc struct {
	tokens, seconds float64 // over entries with a count and a duration
	pairs           int
	rateSum         float64 // the tools' own rates, for the fallback mean
	rates           int
}

func (r *rateAcc) add(tokens *int64, seconds, rate *float64) {
	switch {
	case tokens != nil && seconds != nil && *seconds > 0:
		r.tokens += float64(*tokens)
		r.seconds += *seconds
		r.pairs++
	case tokens != nil && rate != nil && *rate > 0:
		r.tokens += float64(*tokens)
		r.seconds += float64(*tokens) / *rate
		r.pairs++
	}
	if rate != nil {
		r.rateSum += *rate
		r.rates++
	}
}

func (r rateAcc) value() *float64 {
	switch {
	case r.pairs > 0 && r.seconds > 0:
		return ptr(r.tokens / r.seconds)
	case r.rates > 0:
		return ptr(r.rateSum / float64(r.rates))
	}
	return nil
}

func (a *acc) add(s Stats) {
	if s.IsZero() {
		return
	}
	a.n++
	if a.n == 1 {
		a.singlePrompt, a.singleGenerate = s.PromptTokensPerSecond, s.GenerationTokensPerSecond
	}
	a.promptTok.add(s.PromptTokens)
	a.genTok.add(s.GeneratedTokens)
	a.promptSec.add(s.PromptSeconds)
	a.genSec.add(s.GenerationSeconds)
	a.loadSec.add(s.LoadSeconds)
	a.totalSec.add(s.TotalSeconds)
	a.promptRate.add(s.PromptTokens, s.PromptSeconds, s.PromptTokensPerSecond)
	a.genRate.add(s.GeneratedTokens, s.GenerationSeconds, s.GenerationTokensPerSecond)
	switch {
	case s.Source == "":
	case a.source == "":
		a.source = s.Source
	case a.source != s.Source:
		a.sourceMixed = true
	}
}

func (a *acc) stats() Stats {
	s := Stats{
		PromptTokens:              a.promptTok.ptr(),
		GeneratedTokens:           a.genTok.ptr(),
		PromptSeconds:             a.promptSec.ptr(),
		GenerationSeconds:         a.genSec.ptr(),
		LoadSeconds:               a.loadSec.ptr(),
		TotalSeconds:              a.totalSec.ptr(),
		PromptTokensPerSecond:     a.promptRate.value(),
		GenerationTokensPerSecond: a.genRate.value(),
		Source:                    a.source,
	}
	if a.sourceMixed {
		s.Source = ToolMixed
	}
	if a.n == 1 {
		if a.singlePrompt != nil {
			s.PromptTokensPerSecond = ptr(*a.singlePrompt)
		}
		if a.singleGenerate != nil {
			s.GenerationTokensPerSecond = ptr(*a.singleGenerate)
		}
	}
	return s
}
