package llm

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// DefaultPollInterval is how often a Poller asks the servers by default.
const DefaultPollInterval = 2 * time.Second

// PollerConfig configures a Poller. The zero value polls both servers at
// their default loopback URLs every DefaultPollInterval.
type PollerConfig struct {
	OllamaURL          string        // DefaultOllamaURL when empty
	LlamaServerURL     string        // DefaultLlamaServerMetricsURL when empty
	DisableOllama      bool          // do not poll Ollama
	DisableLlamaServer bool          // do not poll llama-server
	Interval           time.Duration // DefaultPollInterval when 0
	Timeout            time.Duration // per request; DefaultTimeout when 0, capped at Interval
	Logger             *slog.Logger  // slog.Default() when nil
}

// ServerStatus is one snapshot of the local LLM servers.
type ServerStatus struct {
	Time        time.Time          `json:"time"`
	Ollama      *OllamaStatus      `json:"ollama,omitempty"`       // nil when not polled
	LlamaServer *LlamaServerStatus `json:"llama_server,omitempty"` // nil when not polled
}

// OllamaStatus is what Ollama's /api/ps said.
type OllamaStatus struct {
	URL string `json:"url"`
	// Running is true when Ollama answered as itself; Error holds any
	// failure except "not running" (a timeout, a 500, an answer that is not
	// Ollama's).
	Running bool          `json:"running"`
	Error   string        `json:"error,omitempty"`
	Models  []OllamaModel `json:"models,omitempty"`
	// SizeBytes and VRAMBytes total the loaded models; nil when Ollama
	// did not answer or did not report them.
	SizeBytes *int64 `json:"size_bytes,omitempty"`
	VRAMBytes *int64 `json:"vram_bytes,omitempty"`
}

// LlamaServerStatus is what llama-server's /metrics said, with the rates
// since the previous poll.
type LlamaServerStatus struct {
	URL string `json:"url"`
	// Running is true when llama-server answered with its metrics or with
	// its "metrics disabled" 501; Error holds any failure except "not
	// running".
	Running bool   `json:"running"`
	Error   string `json:"error,omitempty"`
	LlamaMetrics
	LlamaRates
}

// Poller polls Ollama and llama-server together. It is safe for concurrent
// use; concurrent Polls run one after the other.
type Poller struct {
	ollama   *OllamaClient
	llama    *LlamaServerClient
	interval time.Duration
	log      *slog.Logger

	pollMu  sync.Mutex // serialises Poll: the tracker and the error memory
	tracker RateTracker
	lastErr [2]string

	mu     sync.Mutex
	latest ServerStatus
	have   bool
}

// NewPoller returns a Poller for cfg.
func NewPoller(cfg PollerConfig) *Poller {
	p := &Poller{interval: cfg.Interval, log: cfg.Logger}
	if p.interval <= 0 {
		p.interval = DefaultPollInterval
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	timeout = min(timeout, p.interval)
	if !cfg.DisableOllama {
		p.ollama = NewOllamaClient(cfg.OllamaURL, timeout)
	}
	if !cfg.DisableLlamaServer {
		p.llama = NewLlamaServerClient(cfg.LlamaServerURL, timeout)
	}
	return p
}

// Interval is the polling period Run uses.
func (p *Poller) Interval() time.Duration { return p.interval }

// Poll asks both servers once, concurrently, and returns the snapshot.
// It never fails: each server's problem is in its Error field.
func (p *Poller) Poll(ctx context.Context) ServerStatus {
	p.pollMu.Lock()
	defer p.pollMu.Unlock()
	var st ServerStatus
	var wg sync.WaitGroup
	if p.ollama != nil {
		wg.Go(func() { st.Ollama = p.pollOllama(ctx) })
	}
	if p.llama != nil {
		wg.Go(func() { st.LlamaServer = p.pollLlama(ctx) })
	}
	wg.Wait()
	st.Time = time.Now()
	p.mu.Lock()
	p.latest, p.have = st, true
	p.mu.Unlock()
	return st
}

// Latest returns the last snapshot Poll made, and false before the first.
func (p *Poller) Latest() (ServerStatus, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latest, p.have
}

// Run polls at once and then every Interval, handing each snapshot to fn
// (if not nil), until ctx ends. A poll slower than the interval makes Run
// skip ticks, never queue them.
func (p *Poller) Run(ctx context.Context, fn func(ServerStatus)) {
	t := time.NewTicker(p.interval)
	defer t.Stop()
	for {
		st := p.Poll(ctx)
		if ctx.Err() != nil {
			return
		}
		if fn != nil {
			fn(st)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close releases the clients' idle connections.
func (p *Poller) Close() {
	if p.ollama != nil {
		p.ollama.Close()
	}
	if p.llama != nil {
		p.llama.Close()
	}
}

func (p *Poller) pollOllama(ctx context.Context) *OllamaStatus {
	st := &OllamaStatus{URL: p.ollama.URL()}
	models, err := p.ollama.Running(ctx)
	st.Running, st.Error = p.classify(0, "ollama", err)
	if err != nil {
		return st
	}
	st.Models = models
	var size, vram optInt
	for _, m := range models {
		size.add(m.SizeBytes)
		vram.add(m.VRAMBytes)
	}
	st.SizeBytes, st.VRAMBytes = size.ptr(), vram.ptr()
	if len(models) == 0 {
		st.SizeBytes, st.VRAMBytes = ptr(int64(0)), ptr(int64(0)) // nothing loaded is a real 0
	}
	return st
}

func (p *Poller) pollLlama(ctx context.Context) *LlamaServerStatus {
	st := &LlamaServerStatus{URL: p.llama.URL()}
	m, err := p.llama.Metrics(ctx)
	st.Running, st.Error = p.classify(1, "llama-server", err)
	if err != nil {
		p.tracker.Reset() // the next reading may come from a restarted server
		return st
	}
	st.LlamaMetrics = m
	st.LlamaRates = p.tracker.Update(m, time.Now())
	return st
}

// classify turns a poll error into the status fields and logs changes only:
// a server that is not running is logged at debug level once, other errors
// at warn level once until they change.
func (p *Poller) classify(i int, server string, err error) (running bool, msg string) {
	switch {
	case err == nil:
		if p.lastErr[i] != "" {
			p.log.Info("llm server reachable", "server", server)
		}
		p.lastErr[i] = ""
		return true, ""
	case errors.Is(err, ErrNotRunning):
		if p.lastErr[i] != "not running" {
			p.log.Debug("llm server not running", "server", server, "err", err)
		}
		p.lastErr[i] = "not running"
		return false, ""
	}
	msg = err.Error()
	if p.lastErr[i] != msg {
		p.log.Warn("llm server poll failed", "server", server, "err", err)
	}
	p.lastErr[i] = msg
	return errors.Is(err, ErrMetricsDisabled), msg
}
