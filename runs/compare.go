package runs

import (
	"fmt"

	"sysmon/format"
)

// Better says which direction of a metric wins a comparison.
type Better int

const (
	// Neither: the row is context (label, state, token counts); no winner.
	Neither Better = iota
	// Higher is better (tokens/s, GPU utilisation).
	Higher
	// Lower is better (J/token, energy, memory, CPU, duration).
	Lower
)

func (b Better) String() string {
	switch b {
	case Higher:
		return "higher"
	case Lower:
		return "lower"
	}
	return "neither"
}

// Cell is one run's value in a Row.
type Cell struct {
	// Value is the number in base units (Row.Unit); nil when the run has
	// none (shown as "n/a"), and for text rows.
	Value *float64 `json:"value,omitempty"`
	// Text is the value of a text row (label, state); "" otherwise.
	Text string `json:"text,omitempty"`
	// Best marks the winning run(s) of the row: set only when the row has a
	// direction, at least two runs have a value and they are not all equal;
	// ties share it.
	Best bool `json:"best,omitempty"`
}

// Row is one metric across the compared runs, Cells in the order the
// summaries were given.
type Row struct {
	// Metric is a stable key, the ExportColumns name where there is one.
	Metric string `json:"metric"`
	// Name is a short human title.
	Name string `json:"name"`
	// Unit is the base unit of the values: "s", "tokens/s", "J/token", "J",
	// "bytes", "%", "tokens", or "" for text rows.
	Unit   string `json:"unit,omitempty"`
	Better Better `json:"better"`
	Cells  []Cell `json:"cells"`
}

// metric is one numeric row of the comparison table.
type metric struct {
	key, name, unit string
	better          Better
	value           func(*Summary) *float64
}

// compareMetrics are the rows Compare returns after label and state, in
// order, with which way is better:
//
//	duration_seconds      lower   (the same work finished sooner)
//	tokens_per_second     higher
//	joules_per_token      lower
//	energy_joules         lower
//	vram_peak_bytes       lower
//	ram_peak_bytes        lower
//	cpu_avg_percent       lower
//	cpu_peak_percent      lower
//	gpu_util_avg_percent  higher  (the model is kept on, and feeds, the GPU)
//	prompt_tokens         neither (the workload, not a result)
//	generated_tokens      neither
var compareMetrics = []metric{
	{"duration_seconds", "Duration", "s", Lower, func(s *Summary) *float64 { return ptr(s.DurationSeconds) }},
	{"tokens_per_second", "Tokens/s", "tokens/s", Higher, func(s *Summary) *float64 { return s.TokensPerSecond }},
	{"joules_per_token", "Energy per token", "J/token", Lower, func(s *Summary) *float64 { return s.JoulesPerToken }},
	{"energy_joules", "Energy", "J", Lower, func(s *Summary) *float64 { return s.EnergyJoules }},
	{"vram_peak_bytes", "VRAM peak", "bytes", Lower, func(s *Summary) *float64 { return u64f(s.VRAMPeakBytes) }},
	{"ram_peak_bytes", "RAM peak", "bytes", Lower, func(s *Summary) *float64 { return u64f(s.RAMPeakBytes) }},
	{"cpu_avg_percent", "CPU average", "%", Lower, func(s *Summary) *float64 { return s.CPUAvgPercent }},
	{"cpu_peak_percent", "CPU peak", "%", Lower, func(s *Summary) *float64 { return s.CPUPeakPercent }},
	{"gpu_util_avg_percent", "GPU average", "%", Higher, func(s *Summary) *float64 { return s.GPUUtilAvgPercent }},
	{"prompt_tokens", "Prompt tokens", "tokens", Neither, func(s *Summary) *float64 { return i64f(s.PromptTokens) }},
	{"generated_tokens", "Generated tokens", "tokens", Neither, func(s *Summary) *float64 { return i64f(s.GeneratedTokens) }},
}

// Compare lays runs side by side for a table: a "label" and a "state" text
// row, then one row per metric (see compareMetrics for the order and which
// direction wins), each with the best cell(s) marked.
func Compare(summaries ...Summary) []Row {
	rows := make([]Row, 0, 2+len(compareMetrics))
	label := Row{Metric: "label", Name: "Run", Cells: make([]Cell, len(summaries))}
	state := Row{Metric: "state", Name: "State", Cells: make([]Cell, len(summaries))}
	for i := range summaries {
		label.Cells[i].Text = summaries[i].Label
		state.Cells[i].Text = string(summaries[i].State)
	}
	rows = append(rows, label, state)
	for _, m := range compareMetrics {
		r := Row{Metric: m.key, Name: m.name, Unit: m.unit, Better: m.better, Cells: make([]Cell, len(summaries))}
		for i := range summaries {
			r.Cells[i].Value = clone(m.value(&summaries[i]))
		}
		markBest(&r)
		rows = append(rows, r)
	}
	return rows
}

func markBest(r *Row) {
	if r.Better == Neither {
		return
	}
	var best *float64
	n, distinct := 0, false
	for _, c := range r.Cells {
		if c.Value == nil {
			continue
		}
		n++
		if best != nil && *c.Value != *best {
			distinct = true
		}
		if best == nil || (r.Better == Higher && *c.Value > *best) || (r.Better == Lower && *c.Value < *best) {
			best = c.Value
		}
	}
	if n < 2 || !distinct {
		return
	}
	for i := range r.Cells {
		if v := r.Cells[i].Value; v != nil && *v == *best {
			r.Cells[i].Best = true
		}
	}
}

func u64f(p *uint64) *float64 {
	if p == nil {
		return nil
	}
	return ptr(float64(*p))
}

func i64f(p *int64) *float64 {
	if p == nil {
		return nil
	}
	return ptr(float64(*p))
}

// Format is a cell's value for people: units from the row, "n/a" when the
// run has none.
func (r Row) Format(c Cell, u format.Units) string {
	if r.Unit == "" {
		return c.Text
	}
	if c.Value == nil {
		return format.NA
	}
	v := *c.Value
	switch r.Unit {
	case "s":
		return format.Duration(v)
	case "bytes":
		return u.Bytes(v)
	case "%":
		return format.Percent(v)
	case "J":
		return fmt.Sprintf("%.0f J", v)
	case "J/token":
		return fmt.Sprintf("%.3f J/token", v)
	case "tokens/s":
		return fmt.Sprintf("%.1f tokens/s", v)
	case "tokens":
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%g %s", v, r.Unit)
}
