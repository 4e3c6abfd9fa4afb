package llm

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// closedURL is the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func serveFile(t *testing.T, path, file, contentType string) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// slowServer answers nothing until the test ends.
func slowServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	return srv
}

func TestOllamaRunning(t *testing.T) {
	srv := serveFile(t, "/api/ps", "ollama-ps.json", "application/json; charset=utf-8")
	c := NewOllamaClient(srv.URL+"/", time.Second)
	defer c.Close()
	models, err := c.Running(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 3 {
		t.Fatalf("%d models, want 3", len(models))
	}
	m := models[0]
	if m.Name != "llama3.1:8b" || m.Model != "llama3.1:8b" || m.Family != "llama" || m.Format != "gguf" ||
		m.ParameterSize != "8.0B" || m.Quantization != "Q4_K_M" || len(m.Families) != 1 ||
		!strings.HasPrefix(m.Digest, "46e0c10c") {
		t.Errorf("model 0: %+v", m)
	}
	if m.SizeBytes == nil || *m.SizeBytes != 6654289920 || m.VRAMBytes == nil || *m.VRAMBytes != 6654289920 {
		t.Errorf("model 0 sizes %s %s", showInt(m.SizeBytes), showInt(m.VRAMBytes))
	}
	checkFloat := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || !near(*got, want) {
			t.Errorf("%s = %s, want %g", name, showFloat(got), want)
		}
	}
	checkFloat("model 0 GPU", m.GPUPercent, 100)
	checkFloat("model 0 CPU", m.CPUPercent, 0)
	if m.ContextLength == nil || *m.ContextLength != 4096 {
		t.Errorf("context length %s", showInt(m.ContextLength))
	}
	if want := time.Date(2024, 6, 4, 21, 38, 31, 837530000, time.UTC); m.ExpiresAt == nil || !m.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", m.ExpiresAt, want)
	}
	// partly offloaded, like "12%/88% CPU/GPU"
	checkFloat("model 1 GPU", models[1].GPUPercent, 100*17008070492.0/19327352832)
	checkFloat("model 1 CPU", models[1].CPUPercent, 100-100*17008070492.0/19327352832)
	if models[1].ContextLength != nil {
		t.Error("absent context_length must stay absent")
	}
	// all on CPU; zero expiry is absent
	checkFloat("model 2 GPU", models[2].GPUPercent, 0)
	checkFloat("model 2 CPU", models[2].CPUPercent, 100)
	if models[2].ExpiresAt != nil {
		t.Errorf("zero expires_at parsed as %v", models[2].ExpiresAt)
	}
}

func TestParseOllamaPS(t *testing.T) {
	models, err := ParseOllamaPS([]byte(`{"models":[]}`))
	if err != nil || len(models) != 0 || models == nil {
		t.Errorf("empty list: %v %v", models, err)
	}
	// older servers: no size_vram; zero size: no split
	models, err = ParseOllamaPS([]byte(`{"models":[{"name":"a","model":"a","size":100,"details":{}},{"name":"b","size":0,"size_vram":0,"expires_at":"garbage"}]}`))
	if err != nil || len(models) != 2 {
		t.Fatalf("%v %v", models, err)
	}
	if models[0].VRAMBytes != nil || models[0].GPUPercent != nil || models[1].GPUPercent != nil || models[1].ExpiresAt != nil {
		t.Errorf("absent values invented: %+v %+v", models[0], models[1])
	}
	for _, body := range []string{``, `<html>`, `{"models":`, `{}`, `{"error":"unauthorized"}`, `[]`, `{"models":[{"size":"big"}]}`} {
		if _, err := ParseOllamaPS([]byte(body)); !errors.Is(err, ErrBadResponse) {
			t.Errorf("%q: err %v, want ErrBadResponse", body, err)
		}
	}
}

func TestOllamaErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("not running", func(t *testing.T) {
		url := closedURL(t)
		_, err := NewOllamaClient(url, time.Second).Running(ctx)
		var nr *NotRunningError
		if !errors.Is(err, ErrNotRunning) || !errors.As(err, &nr) || nr.Server != "ollama" || nr.URL != url+"/api/ps" {
			t.Fatalf("err %v, want not running", err)
		}
	})
	t.Run("500", func(t *testing.T) {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
		_, err := NewOllamaClient(srv.URL, time.Second).Running(ctx)
		var st *HTTPStatusError
		if !errors.As(err, &st) || st.StatusCode != 500 || errors.Is(err, ErrNotRunning) {
			t.Fatalf("err %v, want status 500", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("\x00\x01 not json")) })
		_, err := NewOllamaClient(srv.URL, time.Second).Running(ctx)
		if !errors.Is(err, ErrBadResponse) {
			t.Fatalf("err %v, want ErrBadResponse", err)
		}
	})
	t.Run("slow", func(t *testing.T) {
		srv := slowServer(t)
		start := time.Now()
		_, err := NewOllamaClient(srv.URL, 100*time.Millisecond).Running(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrNotRunning) {
			t.Fatalf("err %v, want deadline exceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("timeout took %v", d)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		srv := slowServer(t)
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := NewOllamaClient(srv.URL, 5*time.Second).Running(cctx)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrNotRunning) {
			t.Fatalf("err %v, want canceled", err)
		}
	})
}

func TestClientURLs(t *testing.T) {
	if got := NewOllamaClient("", 0).URL(); got != DefaultOllamaURL {
		t.Errorf("default ollama %q", got)
	}
	if got := NewOllamaClient("localhost:11434/", 0).URL(); got != "http://localhost:11434" {
		t.Errorf("bare ollama %q", got)
	}
	if got := NewLlamaServerClient("", 0).URL(); got != DefaultLlamaServerMetricsURL {
		t.Errorf("default llama %q", got)
	}
	if got := NewLlamaServerClient("127.0.0.1:8081", 0).URL(); got != "http://127.0.0.1:8081/metrics" {
		t.Errorf("bare llama %q", got)
	}
	if got := NewLlamaServerClient("http://[::1]:9000/custom/metrics", 0).URL(); got != "http://[::1]:9000/custom/metrics" {
		t.Errorf("custom llama %q", got)
	}
}

func TestParseLlamaMetrics(t *testing.T) {
	body, err := os.ReadFile("testdata/llama-server-metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseLlamaMetrics(string(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  *float64
		want float64
	}{
		{"prompt tokens", m.PromptTokensTotal, 1234},
		{"prompt seconds", m.PromptSecondsTotal, 5.678},
		{"predicted tokens", m.TokensPredictedTotal, 5678},
		{"predicted seconds", m.TokensPredictedSecondsTotal, 123.4},
		{"processing", m.RequestsProcessing, 1},
		{"deferred", m.RequestsDeferred, 0},
	} {
		if c.got == nil || *c.got != c.want {
			t.Errorf("%s = %s, want %g", c.name, showFloat(c.got), c.want)
		}
	}

	// labels, timestamps, exponents, CRLF, NaN, garbage and other series
	m, err = ParseLlamaMetrics("go_goroutines 12\r\n" +
		"llamacpp:prompt_tokens_total{slot=\"0\",name=\"a}b\\\"c\"} 1.5e+03 1712345678000\r\n" +
		"llamacpp:tokens_predicted_total NaN\n" +
		"llamacpp:tokens_predicted_seconds_total +Inf\n" +
		"llamacpp:prompt_seconds_total\n" +
		"llamacpp:requests_processing{broken 3\n" +
		"llamacpp:requests_deferred 2 3 4\n" +
		"llamacpp:prompt_tokens_total 99\n")
	if err != nil {
		t.Fatal(err)
	}
	if m.PromptTokensTotal == nil || *m.PromptTokensTotal != 1500 {
		t.Errorf("labelled sample: %s", showFloat(m.PromptTokensTotal))
	}
	if m.TokensPredictedTotal != nil || m.TokensPredictedSecondsTotal != nil || m.PromptSecondsTotal != nil ||
		m.RequestsProcessing != nil || m.RequestsDeferred != nil {
		t.Errorf("invalid samples accepted: %+v", m)
	}

	for _, text := range []string{"", "<html><body>Not Found</body></html>", "# HELP only comments\n", "\x00\x01\x02"} {
		if _, err := ParseLlamaMetrics(text); !errors.Is(err, ErrNoData) {
			t.Errorf("%q: err %v, want ErrNoData", text, err)
		}
	}
}

func TestLlamaServerClient(t *testing.T) {
	ctx := context.Background()
	srv := serveFile(t, "/metrics", "llama-server-metrics.txt", "text/plain; version=0.0.4")
	c := NewLlamaServerClient(srv.URL+"/metrics", time.Second)
	defer c.Close()
	m, err := c.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.TokensPredictedTotal == nil || *m.TokensPredictedTotal != 5678 {
		t.Errorf("predicted %s", showFloat(m.TokensPredictedTotal))
	}

	t.Run("not running", func(t *testing.T) {
		_, err := NewLlamaServerClient(closedURL(t)+"/metrics", time.Second).Metrics(ctx)
		if !errors.Is(err, ErrNotRunning) {
			t.Fatalf("err %v, want not running", err)
		}
	})
	t.Run("metrics disabled", func(t *testing.T) {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusNotImplemented)
			w.Write([]byte(`{"error":{"code":501,"message":"This server does not support metrics endpoint. Start it with ` + "`--metrics`" + `","type":"not_supported_error"}}`))
		})
		_, err := NewLlamaServerClient(srv.URL, time.Second).Metrics(ctx)
		var st *HTTPStatusError
		if !errors.Is(err, ErrMetricsDisabled) || !errors.As(err, &st) || st.StatusCode != 501 {
			t.Fatalf("err %v, want metrics disabled", err)
		}
	})
	t.Run("500", func(t *testing.T) {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
		_, err := NewLlamaServerClient(srv.URL, time.Second).Metrics(ctx)
		var st *HTTPStatusError
		if !errors.As(err, &st) || st.StatusCode != 500 || errors.Is(err, ErrMetricsDisabled) {
			t.Fatalf("err %v, want status 500", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>hello</html>")) })
		_, err := NewLlamaServerClient(srv.URL, time.Second).Metrics(ctx)
		if !errors.Is(err, ErrNoData) {
			t.Fatalf("err %v, want ErrNoData", err)
		}
	})
	t.Run("huge", func(t *testing.T) {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat("x", 1<<20))
			for i := 0; i < 10; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
		if _, err := NewLlamaServerClient(srv.URL, 5*time.Second).Metrics(ctx); err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Fatalf("err %v, want size limit", err)
		}
	})
	t.Run("slow", func(t *testing.T) {
		srv := slowServer(t)
		_, err := NewLlamaServerClient(srv.URL, 100*time.Millisecond).Metrics(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want deadline exceeded", err)
		}
	})
}

func metrics(promptTok, promptSec, genTok, genSec float64) LlamaMetrics {
	return LlamaMetrics{PromptTokensTotal: F(promptTok), PromptSecondsTotal: F(promptSec),
		TokensPredictedTotal: F(genTok), TokensPredictedSecondsTotal: F(genSec)}
}

func TestRateTracker(t *testing.T) {
	t0 := time.Now()
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type rates struct{ interval, promptSpeed, genSpeed, promptTput, genTput float64 }
	steps := []struct {
		name string
		m    LlamaMetrics
		at   time.Time
		want rates // -1: absent
	}{
		{"first reading: no rates", metrics(100, 1, 1000, 20), at(0), rates{-1, -1, -1, -1, -1}},
		{"work done", metrics(300, 2, 1100, 22), at(2), rates{2, 200, 50, 100, 50}},
		{"idle: no speed, zero throughput", metrics(300, 2, 1100, 22), at(4), rates{2, -1, -1, 0, 0}},
		{"restart: counters back", metrics(10, 0.1, 5, 0.2), at(6), rates{2, -1, -1, -1, -1}},
		{"after restart", metrics(20, 0.2, 45, 1.2), at(8), rates{2, 100, 40, 5, 20}},
		{"clock did not move", metrics(30, 0.3, 50, 1.3), at(8), rates{-1, 100, 50, -1, -1}},
		{"clock went back", metrics(30, 0.3, 50, 1.3), at(7), rates{-1, -1, -1, -1, -1}},
		{"counter missing", LlamaMetrics{TokensPredictedTotal: F(60), TokensPredictedSecondsTotal: F(1.5)}, at(9),
			rates{2, -1, 50, -1, 5}},
	}
	var tr RateTracker
	for _, s := range steps {
		r := tr.Update(s.m, s.at)
		for _, c := range []struct {
			name string
			got  *float64
			want float64
		}{
			{"interval", r.IntervalSeconds, s.want.interval},
			{"prompt speed", r.PromptTokensPerSecond, s.want.promptSpeed},
			{"generation speed", r.GenerationTokensPerSecond, s.want.genSpeed},
			{"prompt throughput", r.PromptThroughput, s.want.promptTput},
			{"generation throughput", r.GenerationThroughput, s.want.genTput},
		} {
			if (c.want < 0) != (c.got == nil) || (c.got != nil && !near(*c.got, c.want)) {
				t.Errorf("%s: %s = %s, want %g", s.name, c.name, showFloat(c.got), c.want)
			}
		}
	}
	tr.Reset()
	if r := tr.Update(metrics(1, 1, 1, 1), at(20)); r != (LlamaRates{}) {
		t.Errorf("after Reset: %+v", r)
	}
}
