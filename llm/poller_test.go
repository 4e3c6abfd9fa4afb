package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoller(t *testing.T) {
	ollama := serveFile(t, "/api/ps", "ollama-ps.json", "application/json")
	var n atomic.Int64
	llama := serve(t, func(w http.ResponseWriter, r *http.Request) {
		k := n.Add(1) // each poll: 100 more generated tokens in 2 busy seconds
		fmt.Fprintf(w, "llamacpp:prompt_tokens_total 10\nllamacpp:prompt_seconds_total 1\n"+
			"llamacpp:tokens_predicted_total %d\nllamacpp:tokens_predicted_seconds_total %d\n"+
			"llamacpp:requests_processing 1\n", 100*k, 2*k)
	})
	var logs bytes.Buffer
	p := NewPoller(PollerConfig{OllamaURL: ollama.URL, LlamaServerURL: llama.URL + "/metrics",
		Interval: time.Second, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer p.Close()
	if _, ok := p.Latest(); ok {
		t.Fatal("Latest before the first poll")
	}
	ctx := context.Background()
	first := p.Poll(ctx)
	if o := first.Ollama; o == nil || !o.Running || o.Error != "" || len(o.Models) != 3 ||
		o.SizeBytes == nil || *o.SizeBytes != 6654289920+19327352832+1932735283 ||
		o.VRAMBytes == nil || *o.VRAMBytes != 6654289920+17008070492 {
		t.Fatalf("ollama status %+v", first.Ollama)
	}
	l := first.LlamaServer
	if l == nil || !l.Running || l.Error != "" || l.TokensPredictedTotal == nil || *l.TokensPredictedTotal != 100 {
		t.Fatalf("llama status %+v", l)
	}
	if l.GenerationTokensPerSecond != nil || l.IntervalSeconds != nil {
		t.Error("first poll has rates")
	}
	second := p.Poll(ctx)
	if r := second.LlamaServer.GenerationTokensPerSecond; r == nil || *r != 50 {
		t.Errorf("second poll speed %s, want 50", showFloat(r))
	}
	if r := second.LlamaServer.PromptTokensPerSecond; r != nil {
		t.Errorf("prompt speed %s while prompt counters did not move", showFloat(r))
	}
	if latest, ok := p.Latest(); !ok || !latest.Time.Equal(second.Time) {
		t.Error("Latest is not the last poll")
	}

	b, err := json.Marshal(second)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"llama_server":{"url":"` + llama.URL + `/metrics","running":true,`,
		`"tokens_predicted_total":200`, `"generation_tokens_per_second":50`, `"quantization":"Q4_K_M"`,
		`"vram_bytes":6654289920`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), `"error"`) || strings.Contains(string(b), `"prompt_tokens_per_second"`) {
		t.Errorf("JSON has absent fields:\n%s", b)
	}
	if logs.Len() != 0 {
		t.Errorf("healthy polls logged: %s", logs.String())
	}
}

func TestPollerNotRunning(t *testing.T) {
	var logs bytes.Buffer
	p := NewPoller(PollerConfig{OllamaURL: closedURL(t), LlamaServerURL: closedURL(t),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}) // Info level: debug is quiet
	defer p.Close()
	start := time.Now()
	for i := 0; i < 3; i++ {
		st := p.Poll(context.Background())
		if st.Ollama == nil || st.Ollama.Running || st.Ollama.Error != "" || st.Ollama.Models != nil || st.Ollama.SizeBytes != nil {
			t.Errorf("ollama %+v", st.Ollama)
		}
		if st.LlamaServer == nil || st.LlamaServer.Running || st.LlamaServer.Error != "" || st.LlamaServer.TokensPredictedTotal != nil {
			t.Errorf("llama %+v", st.LlamaServer)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("polling closed ports took %v", d)
	}
	if logs.Len() != 0 {
		t.Errorf("not running was logged: %s", logs.String())
	}
}

func TestPollerErrorsLoggedOnce(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	var logs bytes.Buffer
	p := NewPoller(PollerConfig{OllamaURL: srv.URL, DisableLlamaServer: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer p.Close()
	for i := 0; i < 3; i++ {
		st := p.Poll(context.Background())
		if st.LlamaServer != nil {
			t.Fatal("disabled llama-server polled")
		}
		if st.Ollama.Running || !strings.Contains(st.Ollama.Error, "500") {
			t.Errorf("ollama %+v", st.Ollama)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, logs.String())
	}
}

func TestPollerEmptyOllama(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"models":[]}`)) })
	p := NewPoller(PollerConfig{OllamaURL: srv.URL, DisableLlamaServer: true})
	st := p.Poll(context.Background())
	if !st.Ollama.Running || st.Ollama.SizeBytes == nil || *st.Ollama.SizeBytes != 0 {
		t.Errorf("nothing loaded: %+v", st.Ollama)
	}
}

func TestPollerRun(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"models":[]}`)) })
	p := NewPoller(PollerConfig{OllamaURL: srv.URL, DisableLlamaServer: true, Interval: 20 * time.Millisecond})
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	got := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, func(ServerStatus) {
			mu.Lock()
			got++
			if got == 3 {
				cancel()
			}
			mu.Unlock()
		})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatal("Run did not stop")
	}
	if got < 3 {
		t.Errorf("%d snapshots", got)
	}
}
