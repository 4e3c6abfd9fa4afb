package llm

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// TestParseLine feeds single lines, exactly as each tool and version prints
// them, to a fresh Parser and checks the statistics they give.
func TestParseLine(t *testing.T) {
	const (
		L = ToolLlamaCpp
		S = ToolLlamaServer
		O = ToolOllama
	)
	tests := []struct {
		name string
		line string
		want Stats // zero: the line must be ignored
	}{
		// llama.cpp, llama_print_timings (2023-2024)
		{"old load", "llama_print_timings:        load time =    1234.56 ms",
			Stats{LoadSeconds: F(1.23456), Source: L}},
		{"old prompt", "llama_print_timings: prompt eval time =     567.89 ms /    12 tokens (   47.32 ms per token,    21.13 tokens per second)",
			Stats{PromptSeconds: F(0.56789), PromptTokens: I(12), PromptTokensPerSecond: F(21.13), Source: L}},
		{"old eval", "llama_print_timings:        eval time =    2345.67 ms /    99 runs   (   23.69 ms per token,    42.21 tokens per second)",
			Stats{GenerationSeconds: F(2.34567), GeneratedTokens: I(99), GenerationTokensPerSecond: F(42.21), Source: L}},
		{"old total", "llama_print_timings:       total time =    3456.78 ms /   111 tokens",
			Stats{TotalSeconds: F(3.45678), Source: L}},
		{"old total without count", "llama_print_timings:       total time =    3456.78 ms",
			Stats{TotalSeconds: F(3.45678), Source: L}},
		{"old sample is not eval", "llama_print_timings:      sample time =      12.34 ms /   100 runs   (    0.12 ms per token,  8103.73 tokens per second)",
			Stats{}},
		// llama.cpp, llama_perf_* (late 2024 on)
		{"perf load", "llama_perf_context_print:        load time =     812.34 ms",
			Stats{LoadSeconds: F(0.81234), Source: L}},
		{"perf prompt", "llama_perf_context_print: prompt eval time =     123.45 ms /    10 tokens (   12.35 ms per token,    81.00 tokens per second)",
			Stats{PromptSeconds: F(0.12345), PromptTokens: I(10), PromptTokensPerSecond: F(81), Source: L}},
		{"perf eval", "llama_perf_context_print:        eval time =    3000.00 ms /   127 runs   (   23.62 ms per token,    42.33 tokens per second)",
			Stats{GenerationSeconds: F(3), GeneratedTokens: I(127), GenerationTokensPerSecond: F(42.33), Source: L}},
		{"perf sampler", "llama_perf_sampler_print:    sampling time =      10.12 ms /   138 runs   (    0.07 ms per token, 13636.36 tokens per second)",
			Stats{}},
		{"perf graphs reused", "llama_perf_context_print:    graphs reused =        126", Stats{}},
		{"commas in numbers", "llama_perf_context_print: prompt eval time =   12,345.67 ms /  4,096 tokens (    3.01 ms per token,   331.78 tokens per second)",
			Stats{PromptSeconds: F(12.34567), PromptTokens: I(4096), PromptTokensPerSecond: F(331.78), Source: L}},
		{"decimal comma", "llama_perf_context_print:        eval time =    2345,67 ms /    99 runs   (   23,69 ms per token,    42,21 tokens per second)",
			Stats{GenerationSeconds: F(2.34567), GeneratedTokens: I(99), GenerationTokensPerSecond: F(42.21), Source: L}},
		{"inf rate", "llama_perf_context_print:        eval time =       0.00 ms /     1 runs   (    0.00 ms per token,      inf tokens per second)",
			Stats{GenerationSeconds: F(0), GeneratedTokens: I(1), Source: L}},
		{"nan rate, zero tokens", "llama_perf_context_print: prompt eval time =       0.00 ms /     0 tokens (     nan ms per token,     -nan tokens per second)",
			Stats{PromptSeconds: F(0), PromptTokens: I(0), Source: L}},
		{"rate computed when missing", "llama_print_timings:        eval time =    2000.00 ms /   100 runs",
			Stats{GenerationSeconds: F(2), GeneratedTokens: I(100), GenerationTokensPerSecond: F(50), Source: L}},
		// llama-server
		{"server eval says tokens", "       eval time =    3033.61 ms /   128 tokens (   23.70 ms per token,    42.19 tokens per second)",
			Stats{GenerationSeconds: F(3.03361), GeneratedTokens: I(128), GenerationTokensPerSecond: F(42.19), Source: S}},
		{"server prefix on the line", "slot print_timings: id 0 | task 12 | prompt eval time =     567.89 ms /    12 tokens (   47.32 ms per token,    21.13 tokens per second)",
			Stats{PromptSeconds: F(0.56789), PromptTokens: I(12), PromptTokensPerSecond: F(21.13), Source: S}},
		{"server plain prefix", "print_timings:        eval time =     345.00 ms /    10 runs   (   34.50 ms per token,    28.99 tokens per second)",
			Stats{GenerationSeconds: F(0.345), GeneratedTokens: I(10), GenerationTokensPerSecond: F(28.99), Source: S}},
		{"server JSON log (2024)", `{"tid":"140","timestamp":1712345678,"level":"INFO","function":"print_timings","line":313,"msg":"prompt eval time     =     123.45 ms /    12 tokens (   10.29 ms per token,    97.21 tokens per second)","id_slot":0,"id_task":5,"t_prompt_processing":123.45}`,
			Stats{PromptSeconds: F(0.12345), PromptTokens: I(12), PromptTokensPerSecond: F(97.21), Source: S}},
		// timestamps and log prefixes
		{"iso timestamp", "2025-01-02T10:11:12.345Z llama_perf_context_print:        load time =     812.34 ms",
			Stats{LoadSeconds: F(0.81234), Source: L}},
		{"llama log timestamp", "0.01.234.567 I llama_perf_context_print:        eval time =    3000.00 ms /   127 runs   (   23.62 ms per token,    42.33 tokens per second)",
			Stats{GenerationSeconds: F(3), GeneratedTokens: I(127), GenerationTokensPerSecond: F(42.33), Source: L}},
		{"bracket timestamp ollama", "[12:00:01] eval rate:            63.60 tokens/s",
			Stats{GenerationTokensPerSecond: F(63.6), Source: O}},
		{"ansi colours", "\x1b[33mllama_perf_context_print:        load time =     812.34 ms\x1b[0m",
			Stats{LoadSeconds: F(0.81234), Source: L}},
		{"ansi inside", "\x1b[1meval rate:\x1b[0m            63.60 tokens/s\r",
			Stats{GenerationTokensPerSecond: F(63.6), Source: O}},
		// ollama run --verbose
		{"ollama total", "total duration:       5.123456789s", Stats{TotalSeconds: F(5.123456789), Source: O}},
		{"ollama load ms", "load duration:        1.2ms", Stats{LoadSeconds: F(0.0012), Source: O}},
		{"ollama load µs", "load duration:        345.6µs", Stats{LoadSeconds: F(0.0003456), Source: O}},
		{"ollama load us", "load duration:        345.6us", Stats{LoadSeconds: F(0.0003456), Source: O}},
		{"ollama minutes", "total duration:       1m2.5s", Stats{TotalSeconds: F(62.5), Source: O}},
		{"ollama hours", "total duration:       1h2m3.5s", Stats{TotalSeconds: F(3723.5), Source: O}},
		{"ollama prompt count", "prompt eval count:    26 token(s)", Stats{PromptTokens: I(26), Source: O}},
		{"ollama prompt duration", "prompt eval duration: 123.456ms", Stats{PromptSeconds: F(0.123456), Source: O}},
		{"ollama prompt rate", "prompt eval rate:     210.60 tokens/s", Stats{PromptTokensPerSecond: F(210.6), Source: O}},
		{"ollama eval count", "eval count:           290 token(s)", Stats{GeneratedTokens: I(290), Source: O}},
		{"ollama eval count commas", "eval count:           1,290 token(s)", Stats{GeneratedTokens: I(1290), Source: O}},
		{"ollama eval duration", "eval duration:        4.56s", Stats{GenerationSeconds: F(4.56), Source: O}},
		{"ollama eval rate", "eval rate:            63.60 tokens/s", Stats{GenerationTokensPerSecond: F(63.6), Source: O}},
		{"ollama markdown bullet", "- eval count:           453 token(s)", Stats{GeneratedTokens: I(453), Source: O}},
		{"ollama tight spacing", "eval count: 290 token(s)", Stats{GeneratedTokens: I(290), Source: O}},
		// llama-cli one-line summary (2025 on)
		{"cli rates", "[ Prompt: 123.4 t/s | Generation: 45.6 t/s ]",
			Stats{PromptTokensPerSecond: F(123.4), GenerationTokensPerSecond: F(45.6), Source: L}},
		{"cli rates tight", "[Prompt: 1,234.5 t/s|Generation: 45 t/s]",
			Stats{PromptTokensPerSecond: F(1234.5), GenerationTokensPerSecond: F(45), Source: L}},
		{"cli generation only", "[ Generation: 45.6 t/s ]", Stats{GenerationTokensPerSecond: F(45.6), Source: L}},
		// partial, garbled and look-alike lines
		{"empty", "", Stats{}},
		{"lone escape", "\x1b", Stats{}},
		{"unfinished escape", "\x1b[", Stats{}},
		{"truncated before unit", "llama_perf_context_print: prompt eval time =     567.8", Stats{}},
		{"truncated count", "llama_perf_context_print: prompt eval time =     567.89 ms /    12 tok",
			Stats{PromptSeconds: F(0.56789), Source: L}},
		{"truncated rate", "llama_perf_context_print:        eval time =    2345.67 ms /    99 runs   (   23.69 ms per token,    42.2",
			Stats{GenerationSeconds: F(2.34567), GeneratedTokens: I(99), GenerationTokensPerSecond: F(99 / 2.34567), Source: L}},
		{"garbled value", "llama_print_timings:        eval time =    abc ms", Stats{}},
		{"negative time", "llama_print_timings:        eval time =    -5.00 ms", Stats{}},
		{"word boundary", "reload time = 12 ms", Stats{}},
		{"prose time", "my total time = three hours", Stats{}},
		{"ollama count truncated", "eval count:           290 tok", Stats{}},
		{"ollama rate without unit", "eval rate:            63.60", Stats{}},
		{"ollama duration without unit", "eval duration:        4.56", Stats{}},
		{"ollama trailing text", "eval rate:            47.29 tokens/s   <-- This is your tok/s", Stats{}},
		{"ollama negative duration", "eval duration:        -4.56s", Stats{}},
		{"ollama prose", "the eval rate: is what matters", Stats{}},
		{"cli truncated", "[ Prompt: 123.4 t/s | Generation:", Stats{}},
		{"cli garbled", "[ Prompt: 123.4 t/s | Generation: fast t/s ]", Stats{}},
		{"huge number", "eval count: 99999999999999999999999 token(s)", Stats{}},
		{"binary", "\x00\xff\xfeeval time =\x00 ms", Stats{}},
		{"plain text", "The quick brown fox jumps over the lazy dog.", Stats{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			updated := p.Feed(tc.line)
			if updated != !tc.want.IsZero() {
				t.Fatalf("Feed(%q) = %v, want %v", tc.line, updated, !tc.want.IsZero())
			}
			p.Flush()
			checkStats(t, tc.line, p.Stats(), tc.want)
		})
	}
}

func feedFile(t *testing.T, p *Parser, name string) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p.Feed(sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestTranscripts feeds whole console transcripts and checks each
// generation and the run's sum.
func TestTranscripts(t *testing.T) {
	tests := []struct {
		file string
		gens []Stats
		run  Stats
	}{
		{"llama-cli-old.txt", []Stats{{
			LoadSeconds: F(1.23456), PromptSeconds: F(0.56789), PromptTokens: I(12), PromptTokensPerSecond: F(21.13),
			GenerationSeconds: F(2.34567), GeneratedTokens: I(99), GenerationTokensPerSecond: F(42.21),
			TotalSeconds: F(3.45678), Source: ToolLlamaCpp,
		}}, Stats{
			LoadSeconds: F(1.23456), PromptSeconds: F(0.56789), PromptTokens: I(12), PromptTokensPerSecond: F(21.13),
			GenerationSeconds: F(2.34567), GeneratedTokens: I(99), GenerationTokensPerSecond: F(42.21),
			TotalSeconds: F(3.45678), Source: ToolLlamaCpp,
		}},
		{"llama-cli-new.txt", []Stats{{
			LoadSeconds: F(0.81234), PromptSeconds: F(0.12345), PromptTokens: I(10), PromptTokensPerSecond: F(81),
			GenerationSeconds: F(3), GeneratedTokens: I(127), GenerationTokensPerSecond: F(42.33),
			TotalSeconds: F(3.1405), Source: ToolLlamaCpp,
		}}, Stats{
			LoadSeconds: F(0.81234), PromptSeconds: F(0.12345), PromptTokens: I(10), PromptTokensPerSecond: F(81),
			GenerationSeconds: F(3), GeneratedTokens: I(127), GenerationTokensPerSecond: F(42.33),
			TotalSeconds: F(3.1405), Source: ToolLlamaCpp,
		}},
		{"llama-server.txt", []Stats{{
			PromptSeconds: F(0.56789), PromptTokens: I(12), PromptTokensPerSecond: F(21.13),
			GenerationSeconds: F(3.03361), GeneratedTokens: I(128), GenerationTokensPerSecond: F(42.19),
			TotalSeconds: F(3.6015), Source: ToolLlamaServer,
		}, {
			PromptSeconds: F(0.08), PromptTokens: I(8), PromptTokensPerSecond: F(100),
			GenerationSeconds: F(1), GeneratedTokens: I(40), GenerationTokensPerSecond: F(40),
			TotalSeconds: F(1.08), Source: ToolLlamaServer,
		}}, Stats{
			PromptSeconds: F(0.64789), PromptTokens: I(20), PromptTokensPerSecond: F(20 / 0.64789),
			GenerationSeconds: F(4.03361), GeneratedTokens: I(168), GenerationTokensPerSecond: F(168 / 4.03361),
			TotalSeconds: F(4.6815), Source: ToolLlamaServer,
		}},
		{"ollama-chat.txt", []Stats{{
			TotalSeconds: F(5.123456789), LoadSeconds: F(0.0012), PromptTokens: I(26), PromptSeconds: F(0.123456),
			PromptTokensPerSecond: F(210.6), GeneratedTokens: I(290), GenerationSeconds: F(4.56),
			GenerationTokensPerSecond: F(63.6), Source: ToolOllama,
		}, {
			TotalSeconds: F(62.5), LoadSeconds: F(0.0003456), PromptTokens: I(330), PromptSeconds: F(1.5),
			PromptTokensPerSecond: F(220), GeneratedTokens: I(3000), GenerationSeconds: F(60),
			GenerationTokensPerSecond: F(50), Source: ToolOllama,
		}}, Stats{
			TotalSeconds: F(67.623456789), LoadSeconds: F(0.0015456), PromptTokens: I(356), PromptSeconds: F(1.623456),
			PromptTokensPerSecond: F(356 / 1.623456), GeneratedTokens: I(3290), GenerationSeconds: F(64.56),
			GenerationTokensPerSecond: F(3290 / 64.56), Source: ToolOllama,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var seen []Stats
			p := NewParser(func(s Stats) { seen = append(seen, s) })
			feedFile(t, p, tc.file)
			got := p.Completed()
			if len(got) != len(tc.gens) || len(seen) != len(tc.gens) {
				t.Fatalf("%d completed, %d callbacks, want %d: %v", len(got), len(seen), len(tc.gens), got)
			}
			for i := range got {
				checkStats(t, "generation", got[i], tc.gens[i])
				checkStats(t, "callback", seen[i], tc.gens[i])
			}
			checkStats(t, "run", p.Stats(), tc.run)
			if p.Flush() {
				t.Error("Flush found a pending block after complete transcripts")
			}
			p.Reset()
			if s := p.Stats(); !s.IsZero() || len(p.Completed()) != 0 {
				t.Errorf("after Reset: %v, %d completed", s, len(p.Completed()))
			}
		})
	}
}

// TestTranscriptsPrefixed checks that the same transcripts parse the same
// with timestamps, log prefixes, ANSI colours and CRLF endings added.
func TestTranscriptsPrefixed(t *testing.T) {
	wraps := map[string]func(string) string{
		"timestamp": func(s string) string { return "2025-03-04 05:06:07.890 " + s },
		"journal":   func(s string) string { return "Mar 04 05:06:07 host ollama[1234]: " + s },
		"ansi":      func(s string) string { return "\x1b[2m" + s + "\x1b[0m" },
		"crlf":      func(s string) string { return s + "\r" },
	}
	for _, file := range []string{"llama-cli-old.txt", "llama-cli-new.txt", "llama-server.txt", "ollama-chat.txt"} {
		var plain Parser
		feedFile(t, &plain, file)
		data, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		for name, wrap := range wraps {
			var p Parser
			for _, ln := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
				p.Feed(wrap(ln))
			}
			if d := diffStats(p.Stats(), plain.Stats()); d != "" {
				t.Errorf("%s %s: %s", file, name, d)
			}
			if len(p.Completed()) != len(plain.Completed()) {
				t.Errorf("%s %s: %d generations, want %d", file, name, len(p.Completed()), len(plain.Completed()))
			}
		}
	}
}

// TestInterleaved mixes an ollama block, a llama-server block and model
// text line by line: each tool's block still completes on its own.
func TestInterleaved(t *testing.T) {
	ollama := []string{
		"total duration:       2s",
		"load duration:        100ms",
		"prompt eval count:    10 token(s)",
		"prompt eval duration: 500ms",
		"prompt eval rate:     20.00 tokens/s",
		"eval count:           100 token(s)",
		"eval duration:        1s",
		"eval rate:            100.00 tokens/s",
	}
	server := []string{
		"slot print_timing: id  0 | task 7 | ",
		"prompt eval time =     250.00 ms /    50 tokens (    5.00 ms per token,   200.00 tokens per second)",
		"       eval time =    2000.00 ms /   100 tokens (   20.00 ms per token,    50.00 tokens per second)",
		"      total time =    2250.00 ms /   150 tokens",
	}
	var p Parser
	for i := 0; i < len(ollama); i++ {
		p.Feed(ollama[i])
		p.Feed("some model output about time and evaluation")
		if i < len(server) {
			p.Feed(server[i])
		}
	}
	done := p.Completed()
	if len(done) != 2 {
		t.Fatalf("%d generations, want 2: %v", len(done), done)
	}
	if done[0].Source != ToolLlamaServer || done[1].Source != ToolOllama {
		t.Errorf("sources %q %q", done[0].Source, done[1].Source)
	}
	checkStats(t, "run", p.Stats(), Stats{
		TotalSeconds: F(4.25), LoadSeconds: F(0.1),
		PromptTokens: I(60), PromptSeconds: F(0.75), PromptTokensPerSecond: F(80),
		GeneratedTokens: I(200), GenerationSeconds: F(3), GenerationTokensPerSecond: F(200.0 / 3),
		Source: ToolMixed,
	})
}

// TestMissingLastLine: a block that lost its closing line is closed by the
// next block of the same tool, or by Flush, and counted while pending.
func TestMissingLastLine(t *testing.T) {
	var p Parser
	p.Feed("total duration:       2s")
	p.Feed("eval count:           100 token(s)")
	p.Feed("eval duration:        1s")
	// "eval rate" lost; the next answer starts
	checkStats(t, "pending", p.Stats(), Stats{TotalSeconds: F(2), GeneratedTokens: I(100), GenerationSeconds: F(1),
		GenerationTokensPerSecond: F(100), Source: ToolOllama})
	if n := len(p.Completed()); n != 0 {
		t.Fatalf("%d completed before the next block", n)
	}
	p.Feed("load duration:        1ms") // no "total duration" either: order says new block
	if n := len(p.Completed()); n != 1 {
		t.Fatalf("%d completed, want 1", n)
	}
	p.Feed("eval count:           50 token(s)")
	p.Feed("eval duration:        1s")
	if !p.Flush() {
		t.Fatal("Flush found nothing pending")
	}
	if p.Flush() {
		t.Fatal("second Flush found something")
	}
	checkStats(t, "run", p.Stats(), Stats{TotalSeconds: F(2), LoadSeconds: F(0.001), GeneratedTokens: I(150),
		GenerationSeconds: F(2), GenerationTokensPerSecond: F(75), Source: ToolOllama})

	// llama.cpp: two eval lines without total in between are two generations
	var q Parser
	q.Feed("llama_print_timings:        eval time =    1000.00 ms /    10 runs   (  100.00 ms per token,    10.00 tokens per second)")
	q.Feed("llama_print_timings:        eval time =    1000.00 ms /    30 runs   (   33.33 ms per token,    30.00 tokens per second)")
	q.Flush()
	if n := len(q.Completed()); n != 2 {
		t.Fatalf("%d llama generations, want 2", n)
	}
	checkStats(t, "llama run", q.Stats(), Stats{GeneratedTokens: I(40), GenerationSeconds: F(2),
		GenerationTokensPerSecond: F(20), Source: ToolLlamaCpp})
}

func TestCLIRatesEachLineIsAGeneration(t *testing.T) {
	var p Parser
	p.Feed("[ Prompt: 100.0 t/s | Generation: 40.0 t/s ]")
	p.Feed("> next question")
	p.Feed("[ Prompt: 300.0 t/s | Generation: 60.0 t/s ]")
	if n := len(p.Completed()); n != 2 {
		t.Fatalf("%d generations, want 2", n)
	}
	// No counts or durations: the run's rate is the mean of the tool's rates.
	checkStats(t, "run", p.Stats(), Stats{PromptTokensPerSecond: F(200), GenerationTokensPerSecond: F(50), Source: ToolLlamaCpp})
}

func TestCompletedIsBounded(t *testing.T) {
	var p Parser
	for i := 0; i < MaxCompleted+10; i++ {
		p.Feed(fmt.Sprintf("eval count: %d token(s)", i))
		p.Feed("eval duration: 1s")
		p.Feed("eval rate: 1.00 tokens/s")
	}
	done := p.Completed()
	if len(done) != MaxCompleted {
		t.Fatalf("Completed holds %d, want %d", len(done), MaxCompleted)
	}
	for i, s := range done { // the newest, oldest first
		if want := int64(i + 10); *s.GeneratedTokens != want {
			t.Fatalf("Completed()[%d] has %d tokens, want %d", i, *s.GeneratedTokens, want)
		}
	}
	if got, want := p.Stats().GeneratedTokens, int64((MaxCompleted+10)*(MaxCompleted+9)/2); got == nil || *got != want {
		t.Errorf("total tokens %v, want %d", showInt(got), want)
	}
}

func TestParserConcurrent(t *testing.T) {
	var mu sync.Mutex
	n := 0
	p := NewParser(func(Stats) { mu.Lock(); n++; mu.Unlock() })
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for i := 0; i < 200; i++ {
				p.Feed("[ Prompt: 100.0 t/s | Generation: 40.0 t/s ]")
				p.Feed("unrelated")
				_ = p.Stats()
				_ = p.Completed()
			}
		})
	}
	wg.Wait()
	if n != 800 || len(p.Completed()) != 800 {
		t.Errorf("%d callbacks, %d completed, want 800", n, len(p.Completed()))
	}
}

// The callback may call back into the parser: it runs outside the lock.
func TestCallbackReentrant(t *testing.T) {
	var p *Parser
	calls := 0
	p = NewParser(func(Stats) { calls++; _ = p.Stats(); _ = p.Completed() })
	p.Feed("[ Generation: 1 t/s ]")
	if calls != 1 {
		t.Fatalf("%d calls", calls)
	}
}

func TestStatsJSONOmitsAbsent(t *testing.T) {
	b, err := json.Marshal(Stats{GeneratedTokens: I(0), Source: ToolOllama})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"generated_tokens":0,"source":"ollama"}`; got != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
}

func TestSum(t *testing.T) {
	ollama := Stats{PromptTokens: I(10), PromptSeconds: F(0.5), PromptTokensPerSecond: F(20.01),
		GeneratedTokens: I(100), GenerationSeconds: F(2), GenerationTokensPerSecond: F(49.99), TotalSeconds: F(3), Source: ToolOllama}
	tests := []struct {
		name string
		in   []Stats
		want Stats
	}{
		{"nil", nil, Stats{}},
		{"all empty", []Stats{{}, {}}, Stats{}},
		{"one keeps the tool's rates", []Stats{ollama}, ollama},
		{"one without rates gets computed ones", []Stats{{GeneratedTokens: I(100), GenerationSeconds: F(4)}},
			Stats{GeneratedTokens: I(100), GenerationSeconds: F(4), GenerationTokensPerSecond: F(25)}},
		{"rates from sums, not mean of rates", []Stats{
			{GeneratedTokens: I(100), GenerationSeconds: F(1), GenerationTokensPerSecond: F(100), Source: ToolOllama},
			{GeneratedTokens: I(100), GenerationSeconds: F(9), GenerationTokensPerSecond: F(11.1), Source: ToolOllama},
		}, Stats{GeneratedTokens: I(200), GenerationSeconds: F(10), GenerationTokensPerSecond: F(20), Source: ToolOllama}},
		{"zero durations never divide", []Stats{
			{GeneratedTokens: I(1), GenerationSeconds: F(0)},
			{GeneratedTokens: I(0), GenerationSeconds: F(0)},
		}, Stats{GeneratedTokens: I(1), GenerationSeconds: F(0)}},
		{"count with rate but no duration pairs up", []Stats{
			{GeneratedTokens: I(100), GenerationTokensPerSecond: F(50)},
			{GeneratedTokens: I(100), GenerationSeconds: F(2)},
		}, Stats{GeneratedTokens: I(200), GenerationSeconds: F(2), GenerationTokensPerSecond: F(50)}},
		{"unpaired counts do not skew the rate", []Stats{
			{GeneratedTokens: I(1000)},
			{GeneratedTokens: I(100), GenerationSeconds: F(2)},
		}, Stats{GeneratedTokens: I(1100), GenerationSeconds: F(2), GenerationTokensPerSecond: F(50)}},
		{"mixed sources", []Stats{ollama, {LoadSeconds: F(1), Source: ToolLlamaCpp}, {}},
			Stats{PromptTokens: I(10), PromptSeconds: F(0.5), PromptTokensPerSecond: F(20),
				GeneratedTokens: I(100), GenerationSeconds: F(2), GenerationTokensPerSecond: F(50),
				TotalSeconds: F(3), LoadSeconds: F(1), Source: ToolMixed}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkStats(t, "Sum", Sum(tc.in), tc.want)
		})
	}
}

// FuzzParser: no input may panic, and what is accepted is sane.
func FuzzParser(f *testing.F) {
	for _, s := range []string{
		"llama_print_timings: prompt eval time =     567.89 ms /    12 tokens (   47.32 ms per token,    21.13 tokens per second)",
		"eval time = 1e400 ms / 99999999999999999999 runs (inf ms per token, 1e400 tokens per second)",
		"total duration:       5.123456789s", "eval count: 1,2,3 token(s)", "[ Prompt: 1 t/s | Generation: 2 t/s ]",
		"\x1b]0;title\x07eval rate: 1 tokens/s", "time = ", "eval", ",,,", "1,234,5.6e",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var p Parser
		p.Feed(s)
		p.Flush()
		st := p.Stats()
		for _, v := range []*float64{st.PromptSeconds, st.GenerationSeconds, st.LoadSeconds, st.TotalSeconds,
			st.PromptTokensPerSecond, st.GenerationTokensPerSecond} {
			if v != nil && (*v < 0 || *v != *v) {
				t.Fatalf("%q gave %v", s, st)
			}
		}
		for _, v := range []*int64{st.PromptTokens, st.GeneratedTokens} {
			if v != nil && *v < 0 {
				t.Fatalf("%q gave %v", s, st)
			}
		}
	})
}

func TestCompletedIsACopy(t *testing.T) {
	var p Parser
	p.Feed("eval count: 10 token(s)")
	p.Feed("eval rate: 1.00 tokens/s")
	*p.Completed()[0].GeneratedTokens = 99
	if got := *p.Completed()[0].GeneratedTokens; got != 10 {
		t.Errorf("caller changed the parser: %d", got)
	}
}
