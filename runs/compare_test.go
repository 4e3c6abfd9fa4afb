package runs

import "testing"

func TestCompare(t *testing.T) {
	a := Summary{Label: "q4", State: StateDone, DurationSeconds: 60, Aggregates: Aggregates{
		TokensPerSecond: f64(40), JoulesPerToken: f64(0.5), EnergyJoules: f64(500),
		VRAMPeakBytes: u64(5 * gib), RAMPeakBytes: u64(8 * gib), CPUAvgPercent: f64(20), CPUPeakPercent: f64(90),
		GPUUtilAvgPercent: f64(95), GeneratedTokens: i64(1000), PromptTokens: i64(12),
	}}
	b := Summary{Label: "q8", State: StateDone, DurationSeconds: 90, Aggregates: Aggregates{
		TokensPerSecond: f64(25), JoulesPerToken: f64(0.9), EnergyJoules: f64(900),
		VRAMPeakBytes: u64(9 * gib), RAMPeakBytes: u64(8 * gib), CPUAvgPercent: f64(15), CPUPeakPercent: f64(90),
		GPUUtilAvgPercent: f64(97), GeneratedTokens: i64(1000), PromptTokens: i64(12),
	}}
	c := Summary{Label: "cpu only", State: StateInterrupted, DurationSeconds: 300, Aggregates: Aggregates{
		TokensPerSecond: f64(4), RAMPeakBytes: u64(16 * gib), CPUAvgPercent: f64(15), CPUPeakPercent: f64(100),
		GeneratedTokens: i64(1000),
	}}
	rows := Compare(a, b, c)
	byKey := map[string]Row{}
	for _, r := range rows {
		if len(r.Cells) != 3 {
			t.Fatalf("row %s has %d cells", r.Metric, len(r.Cells))
		}
		byKey[r.Metric] = r
	}
	if rows[0].Metric != "label" || rows[0].Cells[2].Text != "cpu only" || rows[1].Cells[2].Text != "interrupted" {
		t.Errorf("text rows = %+v %+v", rows[0], rows[1])
	}
	for _, c := range []struct {
		metric string
		better Better
		best   []bool
	}{
		{"duration_seconds", Lower, []bool{true, false, false}},
		{"tokens_per_second", Higher, []bool{true, false, false}},
		{"joules_per_token", Lower, []bool{true, false, false}}, // c has none: n/a, never best
		{"energy_joules", Lower, []bool{true, false, false}},
		{"vram_peak_bytes", Lower, []bool{true, false, false}},
		{"ram_peak_bytes", Lower, []bool{true, true, false}}, // a tie shares it
		{"cpu_avg_percent", Lower, []bool{false, true, true}},
		{"cpu_peak_percent", Lower, []bool{true, true, false}},
		{"gpu_util_avg_percent", Higher, []bool{false, true, false}},
		{"generated_tokens", Neither, []bool{false, false, false}},
		{"prompt_tokens", Neither, []bool{false, false, false}},
	} {
		r, ok := byKey[c.metric]
		if !ok {
			t.Errorf("no %s row", c.metric)
			continue
		}
		if r.Better != c.better {
			t.Errorf("%s: better = %v, want %v", c.metric, r.Better, c.better)
		}
		for i, want := range c.best {
			if r.Cells[i].Best != want {
				t.Errorf("%s: cell %d best = %v, want %v", c.metric, i, r.Cells[i].Best, want)
			}
		}
	}
	if v := byKey["joules_per_token"].Cells[2].Value; v != nil {
		t.Errorf("absent J/token shows %v", *v)
	}
	wantF(t, "vram cell", byKey["vram_peak_bytes"].Cells[1].Value, float64(9*gib))

	// All equal, or only one value: no winner.
	rows = Compare(Summary{DurationSeconds: 5}, Summary{DurationSeconds: 5})
	for _, r := range rows {
		for _, cell := range r.Cells {
			if cell.Best {
				t.Errorf("%s: a best cell among equal values", r.Metric)
			}
		}
	}
	rows = Compare(a, Summary{})
	for _, r := range rows {
		if r.Metric != "duration_seconds" && (r.Cells[0].Best || r.Cells[1].Best) {
			t.Errorf("%s: a best cell with one value", r.Metric)
		}
	}
	if len(Compare()) == 0 {
		t.Error("Compare() should still return the row titles")
	}
}
