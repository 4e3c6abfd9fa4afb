package runs

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ExportColumns is the header ExportCSV writes, one row per run. Times are
// RFC 3339 in UTC with milliseconds; absent values are empty cells.
//
//	id                    run id
//	label                 the run's label
//	command               argv as a JSON array of strings
//	state                 running, done or interrupted
//	exit_code             the command's exit code; empty when none
//	start, end            RFC 3339; end is empty while running
//	duration_seconds      end (else last sample) minus start
//	samples               samples received
//	cpu_avg_percent       mean machine CPU busy share, 0-100
//	cpu_peak_percent      highest machine CPU busy share, 0-100
//	ram_peak_bytes        highest RAM in use (total - available)
//	vram_peak_bytes       highest GPU memory in use, summed over GPUs
//	gpu_util_avg_percent  mean GPU utilisation, 0-100
//	energy_joules         GPU energy over the run
//	energy_source         counter, power or mixed (see EnergySource)
//	prompt_tokens         prompt tokens processed
//	generated_tokens      tokens generated
//	tokens_per_second     generation speed
//	joules_per_token      energy_joules / generated_tokens
var ExportColumns = []string{
	"id", "label", "command", "state", "exit_code", "start", "end", "duration_seconds", "samples",
	"cpu_avg_percent", "cpu_peak_percent", "ram_peak_bytes", "vram_peak_bytes", "gpu_util_avg_percent",
	"energy_joules", "energy_source", "prompt_tokens", "generated_tokens", "tokens_per_second",
	"joules_per_token",
}

// TimeFormat is how exported times are written: RFC 3339, UTC, milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// ExportCSV writes the header and one row per run: the runs with the given
// ids in that order, or every run, oldest first, when no id is given. An
// unknown id is an ErrNotFound error before anything is written.
func (s *Store) ExportCSV(ctx context.Context, w io.Writer, ids ...int64) error {
	var list []Summary
	if len(ids) == 0 {
		all, err := s.List(ctx)
		if err != nil {
			return fmt.Errorf("export runs: %w", err)
		}
		slices.Reverse(all)
		list = all
	} else {
		for _, id := range ids {
			sum, err := s.Get(ctx, id)
			if err != nil {
				return fmt.Errorf("export runs: %w", err)
			}
			list = append(list, sum)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return fmt.Errorf("export runs: %w", err)
	}
	for _, r := range list {
		// A JSON array keeps the arguments apart; HTML escaping would turn
		// a command's ">&2" into "\u003e\u00262".
		var cmd strings.Builder
		enc := json.NewEncoder(&cmd)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r.Command); err != nil {
			return fmt.Errorf("export runs: %w", err)
		}
		if err := cw.Write([]string{
			strconv.FormatInt(r.ID, 10), r.Label, strings.TrimSuffix(cmd.String(), "\n"), string(r.State), fmtInt(r.ExitCode),
			fmtTime(&r.Start), fmtTime(r.End), fmtFloat(&r.DurationSeconds), strconv.Itoa(r.Samples),
			fmtFloat(r.CPUAvgPercent), fmtFloat(r.CPUPeakPercent), fmtUint(r.RAMPeakBytes),
			fmtUint(r.VRAMPeakBytes), fmtFloat(r.GPUUtilAvgPercent), fmtFloat(r.EnergyJoules),
			string(r.EnergySource), fmtInt64(r.PromptTokens), fmtInt64(r.GeneratedTokens),
			fmtFloat(r.TokensPerSecond), fmtFloat(r.JoulesPerToken),
		}); err != nil {
			return fmt.Errorf("export runs: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export runs: %w", err)
	}
	return nil
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

func fmtFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func fmtUint(p *uint64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(*p, 10)
}

func fmtInt64(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func fmtInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}
