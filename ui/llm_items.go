package ui

import (
	"fmt"

	"sysmon/format"
	"sysmon/llm"
	"sysmon/sampler"
	"sysmon/ui/chart"
)

// llmItem is the "LLM" entry: generated tokens per second, on the same time
// axis as the first GPU's utilization, VRAM and power; what Ollama has
// loaded; llama-server's counters; what a mirrored command printed.
func llmItem(s *sampler.Sample, h *sampler.History, u format.Units) (item, bool) {
	l := s.LLM
	if l == nil || !llmActive(l) {
		return item{}, false
	}
	it := item{
		id: "llm", title: "LLM", subtitle: llmSubtitle(l), value: tokensText(l.TokensPerSecond()),
		lines:  []chart.Line{{Values: h.Series(sampler.KeyTokens, nil), Color: colorTx, Fill: true}},
		label:  func(v float64) string { return fmt.Sprintf("%.0f tok/s", v) },
		legend: "generated tokens per second",
	}
	if s.GPU != nil && len(s.GPU.Devices) > 0 {
		g := gpuItem(s.GPU.Devices[0], h, u)
		util := smallChart{caption: "GPU 0 utilization  " + format.PercentPtr(s.GPU.Devices[0].UtilizationGPUPercent),
			lines: g.lines, max: 100, label: percentLabel, axes: true}
		if len(g.small) == 3 {
			it.small = []smallChart{util, g.small[0], g.small[2]}
		}
	}
	if o := l.Servers.Ollama; o != nil && o.Running {
		if len(o.Models) == 0 {
			it.stats = append(it.stats, [2]string{"Ollama", "running, no model loaded"})
		}
		for _, m := range o.Models {
			it.stats = append(it.stats, [2]string{"Ollama " + m.Name, modelText(m, u)})
		}
	}
	if ls := l.Servers.LlamaServer; ls != nil && ls.Running {
		it.stats = append(it.stats,
			[2]string{"llama-server generation", tokensText(ls.GenerationTokensPerSecond)},
			[2]string{"llama-server prompt", tokensText(ls.PromptTokensPerSecond)},
			[2]string{"llama-server tokens so far", countText(ls.TokensPredictedTotal)})
	}
	if c := l.Console; c != nil {
		it.stats = append(it.stats,
			[2]string{"Run: prompt tokens", intText(c.PromptTokens)},
			[2]string{"Run: generated tokens", intText(c.GeneratedTokens)},
			[2]string{"Run: generation speed", tokensText(c.GenerationTokensPerSecond)},
			[2]string{"Run: prompt speed", tokensText(c.PromptTokensPerSecond)})
	}
	return it, true
}

// llmActive says whether there is anything LLM-related to show: a server
// answering, or statistics parsed from a run.
func llmActive(l *sampler.LLM) bool {
	return l.Console != nil || (l.Servers.Ollama != nil && l.Servers.Ollama.Running) ||
		(l.Servers.LlamaServer != nil && l.Servers.LlamaServer.Running)
}

func llmSubtitle(l *sampler.LLM) string {
	if o := l.Servers.Ollama; o != nil && o.Running && len(o.Models) > 0 {
		return o.Models[0].Name
	}
	if ls := l.Servers.LlamaServer; ls != nil && ls.Running {
		return "llama-server"
	}
	return "from the mirrored command's output"
}

// modelText is a loaded model's quantization, size and where it runs.
func modelText(m llm.OllamaModel, u format.Units) string {
	text := m.Quantization
	if m.ParameterSize != "" {
		text = m.ParameterSize + " " + text
	}
	if m.SizeBytes != nil {
		text += ", " + u.Bytes(float64(*m.SizeBytes))
	}
	if m.GPUPercent != nil {
		text += fmt.Sprintf(", %.0f %% on GPU", *m.GPUPercent)
	}
	return text
}

func tokensText(v *float64) string { return format.FloatPtr(v, 1, "tok/s") }

func intText(v *int64) string {
	if v == nil {
		return format.NA
	}
	return fmt.Sprintf("%d", *v)
}

func countText(v *float64) string { return format.FloatPtr(v, 0, "") }
