// Package llm understands the local language-model tools sysmon watches:
// llama.cpp (llama-cli, llama-server) and Ollama.
//
// It has two halves that share nothing but the units:
//
//   - Parsers for the token statistics those tools print to a console
//     (llama.cpp perf summaries, the llama-cli "[ Prompt: … | Generation: … ]"
//     line, "ollama run --verbose" stats). A [Parser] is fed one line at a
//     time, accumulates one run's [Stats] and reports every completed
//     generation, so a chat session of several answers sums up with [Sum].
//   - Clients for the servers' own endpoints: Ollama's GET /api/ps
//     ([OllamaClient]) and llama-server's Prometheus GET /metrics
//     ([LlamaServerClient], [RateTracker]), polled together by a [Poller]
//     into a [ServerStatus] snapshot.
//
// Units follow the sysmon conventions: seconds as float64, bytes, tokens,
// tokens per second, percent 0-100. A value the tool did not print or the
// server did not report is a nil pointer (omitted from JSON), never 0, and a
// rate is never computed from a zero duration. A server that is simply not
// running yields an error matching [ErrNotRunning], which callers can ignore.
package llm
