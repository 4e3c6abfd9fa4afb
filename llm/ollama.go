package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DefaultOllamaURL is where Ollama listens unless OLLAMA_HOST says otherwise.
const DefaultOllamaURL = "http://127.0.0.1:11434"

// OllamaModel is one model loaded by Ollama, from GET /api/ps.
type OllamaModel struct {
	Name   string `json:"name"`
	Model  string `json:"model"`
	Digest string `json:"digest,omitempty"`
	// SizeBytes is the memory the loaded model takes (weights, KV cache,
	// graph), VRAMBytes the part of it in GPU memory.
	SizeBytes *int64 `json:"size_bytes,omitempty"`
	VRAMBytes *int64 `json:"vram_bytes,omitempty"`
	// GPUPercent and CPUPercent are the split Ollama's "ollama ps" shows as
	// "48%/52% CPU/GPU": VRAMBytes / SizeBytes and the rest, 0-100.
	GPUPercent    *float64   `json:"gpu_percent,omitempty"`
	CPUPercent    *float64   `json:"cpu_percent,omitempty"`
	Format        string     `json:"format,omitempty"`         // details.format, "gguf"
	Family        string     `json:"family,omitempty"`         // details.family, "llama"
	Families      []string   `json:"families,omitempty"`       // details.families
	ParameterSize string     `json:"parameter_size,omitempty"` // details.parameter_size, "8.0B"
	Quantization  string     `json:"quantization,omitempty"`   // details.quantization_level, "Q4_K_M"
	ContextLength *int64     `json:"context_length,omitempty"` // newer Ollama only
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`     // when Ollama unloads it
}

// ollamaPS mirrors Ollama's api.ProcessResponse.
type ollamaPS struct {
	Models *[]struct {
		Name    string `json:"name"`
		Model   string `json:"model"`
		Size    *int64 `json:"size"`
		Digest  string `json:"digest"`
		Details struct {
			ParentModel       string   `json:"parent_model"`
			Format            string   `json:"format"`
			Family            string   `json:"family"`
			Families          []string `json:"families"`
			ParameterSize     string   `json:"parameter_size"`
			QuantizationLevel string   `json:"quantization_level"`
		} `json:"details"`
		ExpiresAt     string `json:"expires_at"`
		SizeVRAM      *int64 `json:"size_vram"`
		ContextLength *int64 `json:"context_length"`
	} `json:"models"`
}

// ParseOllamaPS decodes the body of Ollama's GET /api/ps. A body that is
// not JSON or has no "models" field is an error wrapping ErrBadResponse;
// an empty list means no model is loaded.
func ParseOllamaPS(body []byte) ([]OllamaModel, error) {
	var ps ollamaPS
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ps); err != nil {
		return nil, fmt.Errorf("decode ollama /api/ps: %w: %w", ErrBadResponse, err)
	}
	if ps.Models == nil {
		return nil, fmt.Errorf("decode ollama /api/ps: no models field: %w", ErrBadResponse)
	}
	out := make([]OllamaModel, 0, len(*ps.Models))
	for _, m := range *ps.Models {
		om := OllamaModel{
			Name:          m.Name,
			Model:         m.Model,
			Digest:        m.Digest,
			Format:        m.Details.Format,
			Family:        m.Details.Family,
			Families:      m.Details.Families,
			ParameterSize: m.Details.ParameterSize,
			Quantization:  m.Details.QuantizationLevel,
		}
		if m.Size != nil && *m.Size >= 0 {
			om.SizeBytes = ptr(*m.Size)
		}
		if m.SizeVRAM != nil && *m.SizeVRAM >= 0 {
			om.VRAMBytes = ptr(*m.SizeVRAM)
		}
		if m.ContextLength != nil && *m.ContextLength > 0 {
			om.ContextLength = ptr(*m.ContextLength)
		}
		if om.SizeBytes != nil && om.VRAMBytes != nil && *om.SizeBytes > 0 {
			gpu := min(100, 100*float64(*om.VRAMBytes)/float64(*om.SizeBytes))
			om.GPUPercent, om.CPUPercent = ptr(gpu), ptr(100-gpu)
		}
		if t, err := time.Parse(time.RFC3339Nano, m.ExpiresAt); err == nil && !t.IsZero() {
			om.ExpiresAt = &t
		}
		out = append(out, om)
	}
	return out, nil
}

// OllamaClient reads Ollama's HTTP API.
type OllamaClient struct {
	baseURL string
	timeout time.Duration
	http    *http.Client
}

// NewOllamaClient returns a client for the Ollama server at baseURL
// (DefaultOllamaURL when empty; a host:port without scheme gets http://).
// timeout bounds each request (DefaultTimeout when 0).
func NewOllamaClient(baseURL string, timeout time.Duration) *OllamaClient {
	if baseURL == "" {
		baseURL = DefaultOllamaURL
	}
	if !strings.Contains(baseURL, "://") {
		baseURL = "http://" + baseURL
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &OllamaClient{
		baseURL: strings.TrimRight(baseURL, "/"),
		timeout: timeout,
		http:    newHTTPClient(timeout),
	}
}

// URL is the server's base URL.
func (c *OllamaClient) URL() string { return c.baseURL }

// Running returns the models Ollama has loaded now (GET /api/ps). When
// nothing listens it returns an error matching ErrNotRunning.
func (c *OllamaClient) Running(ctx context.Context) ([]OllamaModel, error) {
	url := c.baseURL + "/api/ps"
	body, err := get(ctx, c.http, c.timeout, "ollama", url, "application/json")
	if err != nil {
		return nil, err
	}
	models, err := ParseOllamaPS(body)
	if err != nil {
		return nil, fmt.Errorf("ollama at %s: %w", url, err)
	}
	return models, nil
}

// Close releases idle connections.
func (c *OllamaClient) Close() { c.http.CloseIdleConnections() }
