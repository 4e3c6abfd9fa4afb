package llm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// consoleLines builds a realistic console mirror: mostly model output and
// server logs (including ollama's "time=... level=INFO" lines and llama.cpp
// lines with words like "eval" and "time"), with a stats block now and then.
func consoleLines(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	prose := []string{
		"The sky appears blue because shorter wavelengths are scattered more strongly by air molecules.",
		"Here is a Go function that reverses a slice in place:",
		"    for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {",
		"In summary, the evaluation depends on the time you have and on the dataset.",
		"1. Preheat the oven to 180 °C. 2. Mix flour, sugar and eggs.",
		"",
		"> what is the time complexity of quicksort?",
		"Quicksort runs in O(n log n) time on average and O(n^2) in the worst case.",
		"日本語のテキストも混ざることがあります。",
	}
	logs := []string{
		`time=2025-03-04T05:06:07.890Z level=INFO source=server.go:619 msg="llama runner started in 2.51 seconds"`,
		`[GIN] 2025/03/04 - 05:06:08 | 200 |  4.512345678s |       127.0.0.1 | POST     "/api/chat"`,
		`time=2025-03-04T05:06:07.890Z level=INFO source=sched.go:449 msg="loaded runners" count=1`,
		"llama_model_loader: - kv  10:                          general.file_type u32              = 15",
		"load_tensors: offloading 32 repeating layers to GPU",
		"llama_context: n_ctx_per_seq (4096) < n_ctx_train (131072) -- the full capacity of the model will not be utilized",
		"slot update_slots: id  0 | task 0 | prompt processing progress, n_past = 512, n_tokens = 512, progress = 0.5",
		"srv  log_server_r: request: POST /completion 127.0.0.1 200",
		"srv  update_slots: all slots are idle",
		"\x1b[32mI\x1b[0m slot launch_slot_: id  0 | task 129 | processing task",
		"2025-03-04 05:06:07.890 main: eval: [ 'The', ' sky', ' is' ]",
		"llama_kv_cache_unified: CUDA0 KV buffer size =   512.00 MiB",
	}
	stats := []string{
		"llama_perf_context_print:        load time =     812.34 ms",
		"llama_perf_context_print: prompt eval time =     123.45 ms /    10 tokens (   12.35 ms per token,    81.00 tokens per second)",
		"llama_perf_context_print:        eval time =    3000.00 ms /   127 runs   (   23.62 ms per token,    42.33 tokens per second)",
		"llama_perf_context_print:       total time =    3140.50 ms /   137 tokens",
		"total duration:       5.123456789s",
		"load duration:        1.2ms",
		"prompt eval count:    26 token(s)",
		"prompt eval duration: 123.456ms",
		"prompt eval rate:     210.60 tokens/s",
		"eval count:           290 token(s)",
		"eval duration:        4.56s",
		"eval rate:            63.60 tokens/s",
		"[ Prompt: 123.4 t/s | Generation: 45.6 t/s ]",
	}
	out := make([]string, 0, n)
	for len(out) < n {
		switch x := r.IntN(1000); {
		case x < 5: // 0.5 %: a whole stats block
			out = append(out, stats...)
		case x < 600:
			out = append(out, prose[r.IntN(len(prose))])
		default:
			out = append(out, logs[r.IntN(len(logs))])
		}
	}
	return out[:n]
}

// BenchmarkParse1MLines: one iteration feeds one million console lines.
func BenchmarkParse1MLines(b *testing.B) {
	lines := consoleLines(1_000_000)
	b.ReportAllocs()
	b.ResetTimer()
	var p Parser
	for b.Loop() {
		p.Reset()
		for _, l := range lines {
			p.Feed(l)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(lines)), "ns/line")
	if len(p.Completed()) == 0 {
		b.Fatal("no generation parsed")
	}
}

// BenchmarkFeed measures single kinds of line.
func BenchmarkFeed(b *testing.B) {
	for name, line := range map[string]string{
		"prose":       "The sky appears blue because shorter wavelengths are scattered more strongly by air molecules.",
		"ollama-log":  `time=2025-03-04T05:06:07.890Z level=INFO source=server.go:619 msg="llama runner started in 2.51 seconds"`,
		"llama-eval":  "llama_perf_context_print:        eval time =    3000.00 ms /   127 runs   (   23.62 ms per token,    42.33 tokens per second)",
		"ollama-rate": "eval rate:            63.60 tokens/s",
	} {
		b.Run(name, func(b *testing.B) {
			var p Parser
			b.ReportAllocs()
			for b.Loop() {
				p.Feed(line)
			}
		})
	}
}

func ExampleParser() {
	p := NewParser(func(s Stats) { fmt.Printf("generation: %d tokens\n", *s.GeneratedTokens) })
	for _, line := range []string{
		"eval count:           290 token(s)",
		"eval duration:        4.56s",
		"eval rate:            63.60 tokens/s",
	} {
		p.Feed(line)
	}
	fmt.Printf("run: %.2f tokens/s\n", *p.Stats().GenerationTokensPerSecond)
	// Output:
	// generation: 290 tokens
	// run: 63.60 tokens/s
}
