package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultLlamaServerMetricsURL is llama-server's default port; the endpoint
// exists only when the server was started with --metrics.
const DefaultLlamaServerMetricsURL = "http://127.0.0.1:8080/metrics"

// LlamaMetrics are the llama-server counters sysmon uses, as read from
// /metrics. Counters only grow while the server runs; each is nil when the
// page did not have it.
type LlamaMetrics struct {
	PromptTokensTotal           *float64 `json:"prompt_tokens_total,omitempty"`            // llamacpp:prompt_tokens_total
	PromptSecondsTotal          *float64 `json:"prompt_seconds_total,omitempty"`           // llamacpp:prompt_seconds_total
	TokensPredictedTotal        *float64 `json:"tokens_predicted_total,omitempty"`         // llamacpp:tokens_predicted_total
	TokensPredictedSecondsTotal *float64 `json:"tokens_predicted_seconds_total,omitempty"` // llamacpp:tokens_predicted_seconds_total
	RequestsProcessing          *float64 `json:"requests_processing,omitempty"`            // llamacpp:requests_processing (gauge)
	RequestsDeferred            *float64 `json:"requests_deferred,omitempty"`              // llamacpp:requests_deferred (gauge)
}

func (m LlamaMetrics) empty() bool {
	return m.PromptTokensTotal == nil && m.PromptSecondsTotal == nil && m.TokensPredictedTotal == nil &&
		m.TokensPredictedSecondsTotal == nil && m.RequestsProcessing == nil && m.RequestsDeferred == nil
}

// ParseLlamaMetrics reads the llama.cpp series from a Prometheus text
// exposition. Comments, other series, labels and timestamps are skipped;
// NaN and infinite values are absent; the first sample of a series wins.
// A page with none of the series is an error wrapping ErrNoData.
func ParseLlamaMetrics(text string) (LlamaMetrics, error) {
	var m LlamaMetrics
	for len(text) > 0 {
		var ln string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			ln, text = text[:i], text[i+1:]
		} else {
			ln, text = text, ""
		}
		ln = strings.TrimSpace(ln)
		if !strings.HasPrefix(ln, "llamacpp:") {
			continue // comments, blank lines, other exporters' series
		}
		name, value, ok := promSample(ln)
		if !ok {
			continue
		}
		var dst **float64
		switch name {
		case "llamacpp:prompt_tokens_total":
			dst = &m.PromptTokensTotal
		case "llamacpp:prompt_seconds_total":
			dst = &m.PromptSecondsTotal
		case "llamacpp:tokens_predicted_total":
			dst = &m.TokensPredictedTotal
		case "llamacpp:tokens_predicted_seconds_total":
			dst = &m.TokensPredictedSecondsTotal
		case "llamacpp:requests_processing":
			dst = &m.RequestsProcessing
		case "llamacpp:requests_deferred":
			dst = &m.RequestsDeferred
		default:
			continue
		}
		if *dst == nil {
			*dst = ptr(value)
		}
	}
	if m.empty() {
		return m, fmt.Errorf("parse llama-server metrics: no llamacpp series: %w", ErrNoData)
	}
	return m, nil
}

// promSample splits `name{labels} value [timestamp]`.
func promSample(ln string) (name string, value float64, ok bool) {
	i := 0
	for i < len(ln) && ln[i] != '{' && ln[i] != ' ' && ln[i] != '\t' {
		i++
	}
	name, rest := ln[:i], ln[i:]
	if strings.HasPrefix(rest, "{") {
		end := labelsEnd(rest)
		if end < 0 {
			return "", 0, false
		}
		rest = rest[end:]
	}
	fields := strings.Fields(rest)
	if len(fields) < 1 || len(fields) > 2 {
		return "", 0, false
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return "", 0, false
	}
	return name, v, true
}

// labelsEnd returns the index after the '}' closing the label set that
// starts s, honouring quoted values with escapes, or -1.
func labelsEnd(s string) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '}':
			return i + 1
		}
	}
	return -1
}

// LlamaServerClient reads llama-server's Prometheus endpoint.
type LlamaServerClient struct {
	url     string
	timeout time.Duration
	http    *http.Client
}

// NewLlamaServerClient returns a client for the metrics page at url
// (DefaultLlamaServerMetricsURL when empty; a bare host:port gets http://
// and /metrics). timeout bounds each request (DefaultTimeout when 0).
func NewLlamaServerClient(url string, timeout time.Duration) *LlamaServerClient {
	if url == "" {
		url = DefaultLlamaServerMetricsURL
	}
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	if rest := url[strings.Index(url, "://")+3:]; !strings.Contains(rest, "/") {
		url += "/metrics"
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &LlamaServerClient{url: url, timeout: timeout, http: newHTTPClient(timeout)}
}

// URL is the metrics URL.
func (c *LlamaServerClient) URL() string { return c.url }

// Metrics reads the counters once. Errors: ErrNotRunning when nothing
// listens, ErrMetricsDisabled when the server runs without --metrics,
// ErrNoData when the page has no llama.cpp series.
func (c *LlamaServerClient) Metrics(ctx context.Context) (LlamaMetrics, error) {
	body, err := get(ctx, c.http, c.timeout, "llama-server", c.url, "text/plain")
	if err != nil {
		var st *HTTPStatusError
		if errors.As(err, &st) && st.StatusCode == http.StatusNotImplemented {
			return LlamaMetrics{}, fmt.Errorf("%w: %w", ErrMetricsDisabled, err)
		}
		return LlamaMetrics{}, err
	}
	m, err := ParseLlamaMetrics(string(body))
	if err != nil {
		return m, fmt.Errorf("llama-server at %s: %w", c.url, err)
	}
	return m, nil
}

// Close releases idle connections.
func (c *LlamaServerClient) Close() { c.http.CloseIdleConnections() }

// LlamaRates are llama-server's token rates over one polling interval,
// from counter deltas. Each is nil when it cannot be known: on the first
// reading, when a counter it uses is missing or went backwards (the server
// restarted), or when its divisor did not grow.
type LlamaRates struct {
	// IntervalSeconds is the monotonic time since the previous reading.
	IntervalSeconds *float64 `json:"interval_seconds,omitempty"`
	// PromptTokensPerSecond and GenerationTokensPerSecond are the speed
	// while working: token delta / the server's own busy-seconds delta.
	// Nil for an interval in which the server finished no work.
	PromptTokensPerSecond     *float64 `json:"prompt_tokens_per_second,omitempty"`
	GenerationTokensPerSecond *float64 `json:"generation_tokens_per_second,omitempty"`
	// PromptThroughput and GenerationThroughput are tokens per second of
	// wall time over the interval (0 when idle). llama-server adds a
	// request's tokens when the request ends, so these come in bursts.
	PromptThroughput     *float64 `json:"prompt_throughput,omitempty"`
	GenerationThroughput *float64 `json:"generation_throughput,omitempty"`
}

// RateTracker turns successive LlamaMetrics readings into LlamaRates. The
// zero value is ready; it is not safe for concurrent use.
type RateTracker struct {
	prev    LlamaMetrics
	prevAt  time.Time
	started bool
}

// Update records a reading taken at now (pass time.Now(), whose monotonic
// clock reading makes the interval immune to wall-clock jumps) and returns
// the rates since the previous one.
func (t *RateTracker) Update(m LlamaMetrics, now time.Time) LlamaRates {
	prev, prevAt, started := t.prev, t.prevAt, t.started
	t.prev, t.prevAt, t.started = m, now, true
	if !started {
		return LlamaRates{}
	}
	var r LlamaRates
	dt := now.Sub(prevAt).Seconds()
	if dt > 0 {
		r.IntervalSeconds = ptr(dt)
	}
	if backwards(prev.PromptTokensTotal, m.PromptTokensTotal) || backwards(prev.PromptSecondsTotal, m.PromptSecondsTotal) ||
		backwards(prev.TokensPredictedTotal, m.TokensPredictedTotal) ||
		backwards(prev.TokensPredictedSecondsTotal, m.TokensPredictedSecondsTotal) {
		return r // the server restarted: no counter's delta means anything
	}
	dPromptTok := delta(prev.PromptTokensTotal, m.PromptTokensTotal)
	dPromptSec := delta(prev.PromptSecondsTotal, m.PromptSecondsTotal)
	dGenTok := delta(prev.TokensPredictedTotal, m.TokensPredictedTotal)
	dGenSec := delta(prev.TokensPredictedSecondsTotal, m.TokensPredictedSecondsTotal)
	r.PromptTokensPerSecond = ratio(dPromptTok, dPromptSec)
	r.GenerationTokensPerSecond = ratio(dGenTok, dGenSec)
	r.PromptThroughput = ratio(dPromptTok, r.IntervalSeconds)
	r.GenerationThroughput = ratio(dGenTok, r.IntervalSeconds)
	return r
}

// Reset forgets the previous reading; the next Update returns no rates.
func (t *RateTracker) Reset() { *t = RateTracker{} }

func backwards(prev, cur *float64) bool { return prev != nil && cur != nil && *cur < *prev }

// delta is cur-prev, or nil when either is missing or the counter went
// backwards.
func delta(prev, cur *float64) *float64 {
	if prev == nil || cur == nil || *cur < *prev {
		return nil
	}
	return ptr(*cur - *prev)
}

func ratio(num, den *float64) *float64 {
	if num == nil || den == nil || !(*den > 0) {
		return nil
	}
	return ptr(*num / *den)
}
