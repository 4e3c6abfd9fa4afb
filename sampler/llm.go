package sampler

import (
	"context"

	"sysmon/llm"
)

// LLM is what local model servers and the mirrored console say: the loaded
// models and live token rates of Ollama and llama-server, and the token
// statistics parsed from a command run through sysmon.
type LLM struct {
	Servers llm.ServerStatus `json:"servers"`
	// Console sums every generation parsed from `sysmon run`'s output; absent
	// when nothing was parsed.
	Console *llm.Stats `json:"console,omitempty"`
	// LastGeneration is the most recent complete generation in that output.
	LastGeneration *llm.Stats `json:"last_generation,omitempty"`
}

// llmSource reads the latest server poll (the poller runs on its own, slower
// clock, so a tick never waits on HTTP) and the console parser's totals.
type llmSource struct {
	poller *llm.Poller
	parser *llm.Parser
}

// NewLLMSource reports poller's latest status and parser's totals; either
// may be nil.
func NewLLMSource(poller *llm.Poller, parser *llm.Parser) Source { return llmSource{poller, parser} }

func (llmSource) Name() string { return "llm" }

func (l llmSource) Collect(context.Context, Tick) (func(*Sample), error) {
	out := &LLM{}
	have := false
	if l.poller != nil {
		if st, ok := l.poller.Latest(); ok {
			out.Servers, have = st, true
		}
	}
	if l.parser != nil {
		if st := l.parser.Stats(); !st.IsZero() {
			out.Console, have = &st, true
		}
		if done := l.parser.Completed(); len(done) > 0 {
			out.LastGeneration = &done[len(done)-1]
		}
	}
	if !have {
		return func(*Sample) {}, nil
	}
	return func(s *Sample) { s.LLM = out }, nil
}

// TokensPerSecond is the live generation speed: llama-server's throughput
// over its last poll, else the speed of the latest generation the console
// printed, held until the next one.
func (l *LLM) TokensPerSecond() *float64 {
	if ls := l.Servers.LlamaServer; ls != nil && ls.GenerationThroughput != nil {
		return ls.GenerationThroughput
	}
	if l.LastGeneration != nil {
		return l.LastGeneration.GenerationTokensPerSecond
	}
	return nil
}
