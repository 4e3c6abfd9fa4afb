package runs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"sysmon/filelock"
)

// Summary is one run as stored: what it was, when, how it ended, and its
// aggregates. Absent values are nil.
type Summary struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
	// Command is the argv that was run (empty when the run was not a command).
	Command []string  `json:"command"`
	State   State     `json:"state"`
	Start   time.Time `json:"start"`
	// End is nil while running; for an interrupted run it is the time of
	// its last saved sample.
	End *time.Time `json:"end,omitempty"`
	// LastSample is the wall time of the last saved sample.
	LastSample *time.Time `json:"last_sample,omitempty"`
	ExitCode   *int       `json:"exit_code,omitempty"`
	// DurationSeconds is End (else LastSample, else Start) minus Start.
	DurationSeconds float64 `json:"duration_seconds"`
	Aggregates
}

const summaryCols = `id, label, command, state, started_ms, ended_ms, last_sample_ms, exit_code, samples,
	cpu_avg_percent, cpu_peak_percent, ram_peak_bytes, vram_peak_bytes, gpu_util_avg_percent,
	energy_joules, energy_source, prompt_tokens, generated_tokens, tokens_per_second, joules_per_token`

type scanner interface{ Scan(dest ...any) error }

func scanSummary(row scanner) (Summary, error) {
	var (
		s                                         Summary
		cmd, state                                string
		started                                   int64
		ended, last, code                         sql.NullInt64
		cpuAvg, cpuPeak, gpuAvg, energy, tps, jpt sql.NullFloat64
		ram, vram, prompt, gen                    sql.NullInt64
		source                                    sql.NullString
	)
	if err := row.Scan(&s.ID, &s.Label, &cmd, &state, &started, &ended, &last, &code, &s.Samples,
		&cpuAvg, &cpuPeak, &ram, &vram, &gpuAvg, &energy, &source, &prompt, &gen, &tps, &jpt); err != nil {
		return Summary{}, err
	}
	if err := json.Unmarshal([]byte(cmd), &s.Command); err != nil {
		return Summary{}, fmt.Errorf("run %d: command: %w", s.ID, err)
	}
	s.State = State(state)
	s.Start = time.UnixMilli(started)
	end := s.Start
	if ended.Valid {
		s.End = ptr(time.UnixMilli(ended.Int64))
		end = *s.End
	}
	if last.Valid {
		s.LastSample = ptr(time.UnixMilli(last.Int64))
		if !ended.Valid {
			end = *s.LastSample
		}
	}
	s.DurationSeconds = max(end.Sub(s.Start).Seconds(), 0)
	if code.Valid {
		s.ExitCode = ptr(int(code.Int64))
	}
	s.CPUAvgPercent, s.CPUPeakPercent = floatPtr(cpuAvg), floatPtr(cpuPeak)
	s.RAMPeakBytes, s.VRAMPeakBytes = bytesPtr(ram), bytesPtr(vram)
	s.GPUUtilAvgPercent, s.EnergyJoules = floatPtr(gpuAvg), floatPtr(energy)
	s.EnergySource = EnergySource(source.String)
	s.PromptTokens, s.GeneratedTokens = int64Ptr(prompt), int64Ptr(gen)
	s.TokensPerSecond, s.JoulesPerToken = floatPtr(tps), floatPtr(jpt)
	return s, nil
}

// List returns every run, newest first.
func (s *Store) List(ctx context.Context) ([]Summary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+summaryCols+` FROM runs ORDER BY started_ms DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		sum, err := scanSummary(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// Get returns one run; ErrNotFound when there is none with that id.
func (s *Store) Get(ctx context.Context, id int64) (Summary, error) {
	sum, err := scanSummary(s.db.QueryRowContext(ctx, `SELECT `+summaryCols+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Summary{}, fmt.Errorf("get run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("get run %d: %w", id, err)
	}
	return sum, nil
}

// Series returns a run's time series in order (rows still buffered in a
// running Run are not included); ErrNotFound when there is no such run.
func (s *Store) Series(ctx context.Context, id int64) ([]Point, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("series of run %d: %w", id, err)
	}
	defer tx.Rollback()
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("series of run %d: %w", id, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("series of run %d: %w", id, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT seconds, cpu_percent, mem_used_bytes, gpu_util_percent,
		vram_used_bytes, power_watts, tokens_per_second FROM run_points WHERE run_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("series of run %d: %w", id, err)
	}
	defer rows.Close()
	out := []Point{}
	for rows.Next() {
		var (
			p                    Point
			cpu, gpu, power, tps sql.NullFloat64
			mem, vram            sql.NullInt64
		)
		if err := rows.Scan(&p.Seconds, &cpu, &mem, &gpu, &vram, &power, &tps); err != nil {
			return nil, fmt.Errorf("series of run %d: %w", id, err)
		}
		p.CPUPercent, p.MemUsedBytes, p.GPUUtilPercent = floatPtr(cpu), bytesPtr(mem), floatPtr(gpu)
		p.VRAMUsedBytes, p.PowerWatts, p.TokensPerSecond = bytesPtr(vram), floatPtr(power), floatPtr(tps)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("series of run %d: %w", id, err)
	}
	return out, nil
}

// MarkInterrupted turns runs left in state running by a writer that is gone
// (crash, kill -9, power loss) into interrupted runs, keeping their data,
// and returns how many it changed. Runs whose writer is alive, in this
// process or another, hold a lock and are left alone. Call it at startup.
func (s *Store) MarkInterrupted(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, lock_token FROM runs WHERE state = ?`, StateRunning)
	if err != nil {
		return 0, fmt.Errorf("mark interrupted runs: %w", err)
	}
	type cand struct {
		id    int64
		token string
	}
	var cands []cand
	for rows.Next() {
		var c cand
		if err := rows.Scan(&c.id, &c.token); err != nil {
			rows.Close()
			return 0, fmt.Errorf("mark interrupted runs: %w", err)
		}
		cands = append(cands, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("mark interrupted runs: %w", err)
	}
	s.mu.Lock()
	mine := make(map[int64]bool, len(s.open))
	for r := range s.open {
		mine[r.id] = true
	}
	s.mu.Unlock()
	n := 0
	for _, c := range cands {
		if mine[c.id] {
			continue
		}
		var lock *os.File
		if filelock.Supported {
			if err := os.MkdirAll(s.lockDir, 0o700); err != nil {
				return n, fmt.Errorf("mark interrupted runs: %w", err)
			}
			f, ok, err := filelock.TryLock(filepath.Join(s.lockDir, c.token))
			if err != nil {
				return n, fmt.Errorf("mark interrupted runs: run %d: %w", c.id, err)
			}
			if !ok {
				continue // its writer is alive
			}
			lock = f
		}
		// The writer commits its final state before it lets go of the lock,
		// so a run that ended meanwhile no longer matches.
		res, err := s.db.ExecContext(ctx, `UPDATE runs SET state = ?, ended_ms = COALESCE(last_sample_ms, started_ms)
			WHERE id = ? AND state = ?`, StateInterrupted, c.id, StateRunning)
		if err == nil {
			var k int64
			if k, err = res.RowsAffected(); err == nil && k > 0 {
				n++
				slog.Warn("run was left running; marked interrupted", "id", c.id)
			}
		}
		s.unlockRun(lock, c.token)
		if err != nil {
			return n, fmt.Errorf("mark interrupted runs: run %d: %w", c.id, err)
		}
	}
	return n, nil
}

// Delete removes a run and its series. A running run cannot be deleted.
func (s *Store) Delete(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM runs WHERE id = ? AND state != ?`, id, StateRunning)
	if err != nil {
		return fmt.Errorf("delete run %d: %w", id, err)
	}
	if k, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete run %d: %w", id, err)
	} else if k > 0 {
		return nil
	}
	if _, err := s.Get(ctx, id); err != nil {
		return fmt.Errorf("delete run %d: %w", id, ErrNotFound)
	}
	return fmt.Errorf("delete run %d: still running", id)
}
