package ui

import (
	"testing"

	"sysmon/format"
	"sysmon/llm"
	"sysmon/sampler"
)

func TestLLMItem(t *testing.T) {
	h := sampler.NewHistory(10)
	s := sampleWithGPU()
	if _, ok := llmItem(s, h, format.Binary); ok {
		t.Error("an LLM entry with no LLM data")
	}
	s.LLM = &sampler.LLM{Servers: llm.ServerStatus{Ollama: &llm.OllamaStatus{Running: false}}}
	if _, ok := llmItem(s, h, format.Binary); ok {
		t.Error("an LLM entry while no server runs and nothing was parsed")
	}
	size, gpuPct := int64(5<<30), 100.0
	gen, rate := int64(290), 63.6
	s.LLM = &sampler.LLM{
		Servers: llm.ServerStatus{Ollama: &llm.OllamaStatus{Running: true, Models: []llm.OllamaModel{
			{Name: "llama3.1:8b", ParameterSize: "8.0B", Quantization: "Q4_K_M", SizeBytes: &size, GPUPercent: &gpuPct}}}},
		Console:        &llm.Stats{GeneratedTokens: &gen, GenerationTokensPerSecond: &rate},
		LastGeneration: &llm.Stats{GenerationTokensPerSecond: &rate},
	}
	it, ok := llmItem(s, h, format.Binary)
	if !ok || it.value != "63.6 tok/s" || it.subtitle != "llama3.1:8b" {
		t.Fatalf("item %q %q %v", it.value, it.subtitle, ok)
	}
	if !hasStat(it.stats, "Ollama llama3.1:8b", "8.0B Q4_K_M, 5 GiB, 100 % on GPU") || !hasStat(it.stats, "Run: generated tokens", "290") {
		t.Errorf("stats %v", it.stats)
	}
	if len(it.small) != 3 || it.small[0].caption != "GPU 0 utilization  37 %" {
		t.Errorf("small charts %d, first %q: want GPU utilization, VRAM and power beside the tokens", len(it.small), it.small[0].caption)
	}
}
