package runs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sysmon/filelock"
	"sysmon/llm"
	"sysmon/sampler"
)

// State is where a run is in its life.
type State string

const (
	// StateRunning: a writer is adding samples (or it was a moment ago).
	StateRunning State = "running"
	// StateDone: Finish was called.
	StateDone State = "done"
	// StateInterrupted: its writer went away without Finish (crash, kill,
	// power loss, Store.Close), or Interrupt ended it before its command
	// did; the data up to the last flush is kept.
	StateInterrupted State = "interrupted"
)

// maxPending bounds the series rows a run holds while the database refuses
// writes (an hour at 10 Hz); later rows are dropped and counted.
const maxPending = 36000

// Run is a run being recorded. Add and Finish may be called from different
// goroutines.
type Run struct {
	st    *Store
	id    int64
	label string
	start time.Time
	token string
	lock  *os.File // held while the run is open; nil where locking is unsupported

	mu        sync.Mutex
	agg       aggregator
	pending   []pendingPoint
	nextSeq   int64
	haveFirst bool
	firstMono time.Duration
	offset    float64 // seconds from start to the first sample
	lastFlush time.Duration
	lastWall  time.Time
	dirty     bool
	dropped   int
	ended     bool
	tokens    Tokens
}

// Tokens is where a run's token statistics come from: the parser of its
// own command's output (an *llm.Parser).
type Tokens interface {
	Stats() llm.Stats
	Flush() bool
}

// ReadTokens makes the run count src's token statistics, read at every
// sample and once more, flushed, when it ends (llama.cpp prints its summary
// just before it exits). A run without one, started by hand, counts no
// tokens: what else the console shows belongs to other runs.
func (r *Run) ReadTokens(src Tokens) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokens = src
}

type pendingPoint struct {
	seq int64
	Point
}

// Start begins a run named label for the command argv (nil when the run is
// not a command, e.g. a server being benchmarked) at wall time at.
func (s *Store) Start(label string, argv []string, at time.Time) (*Run, error) {
	if argv == nil {
		argv = []string{}
	}
	cmd, err := json.Marshal(argv)
	if err != nil {
		return nil, fmt.Errorf("start run: %w", err)
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, errors.New("start run: store is closed")
	}
	// The lock is taken before the row exists, so no other process can see
	// the run as running without a live holder.
	token := rand.Text()
	lock, err := s.lockRun(token)
	if err != nil {
		return nil, fmt.Errorf("start run: %w", err)
	}
	res, err := s.db.ExecContext(context.Background(),
		`INSERT INTO runs (label, command, state, started_ms, lock_token) VALUES (?, ?, ?, ?, ?)`,
		label, string(cmd), StateRunning, at.UnixMilli(), token)
	var id int64
	if err == nil {
		id, err = res.LastInsertId()
	}
	if err != nil {
		s.unlockRun(lock, token)
		return nil, fmt.Errorf("start run %q: %w", label, err)
	}
	r := &Run{st: s, id: id, label: label, start: at, token: token, lock: lock}
	s.mu.Lock()
	s.open[r] = struct{}{}
	s.mu.Unlock()
	slog.Info("run started", "id", id, "label", label)
	return r, nil
}

// lockRun takes the lock that marks a run's writer as alive; the operating
// system drops it when the process dies, however it dies.
func (s *Store) lockRun(token string) (*os.File, error) {
	if !filelock.Supported {
		return nil, nil
	}
	if err := os.MkdirAll(s.lockDir, 0o700); err != nil {
		return nil, fmt.Errorf("lock run: %w", err)
	}
	f, ok, err := filelock.TryLock(filepath.Join(s.lockDir, token))
	switch {
	case err != nil:
		return nil, fmt.Errorf("lock run: %w", err)
	case !ok:
		return nil, errors.New("lock run: lock file already held")
	}
	return f, nil
}

func (s *Store) unlockRun(f *os.File, token string) {
	if f == nil {
		return
	}
	// Remove before closing: on Windows an open file cannot be removed, and
	// anyone who locks it after this finds the row no longer running.
	_ = os.Remove(filepath.Join(s.lockDir, token))
	_ = f.Close()
	_ = os.Remove(filepath.Join(s.lockDir, token))
}

// ID is the run's database id.
func (r *Run) ID() int64 { return r.id }

// Aggregates returns the aggregates so far, including samples not yet
// written to the database.
func (r *Run) Aggregates() Aggregates {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.agg.result()
}

// Add folds one sample, taken at monotonic time mono, into the run's
// aggregates and appends its series row. Energy and the series' seconds use
// mono, never the wall clock; a subscriber that has only the Sample can pass
// s.Time.Sub(t) for a t taken from time.Now() (Go subtracts the monotonic
// readings both carry). Dropped ticks are fine: intervals are mono deltas. Rows and aggregates are written together once
// WithFlushInterval of mono time has passed since the last write; an error
// means that write failed (the rows stay buffered for the next one).
func (r *Run) Add(s *sampler.Sample, mono time.Duration) error {
	if s == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return fmt.Errorf("add to run %d: %w", r.id, ErrFinished)
	}
	p := pointOf(s)
	if !r.haveFirst {
		r.haveFirst, r.firstMono, r.lastFlush = true, mono, mono
		if !s.Time.IsZero() && !r.start.IsZero() {
			if d := s.Time.Sub(r.start).Seconds(); d > 0 && d < 24*3600 {
				r.offset = d
			}
		}
	}
	p.Seconds = r.offset + (mono - r.firstMono).Seconds()
	r.agg.add(s, p, mono)
	if r.tokens != nil {
		r.agg.setTokens(r.tokens.Stats())
	}
	if !s.Time.IsZero() {
		r.lastWall = s.Time
	}
	r.dirty = true
	if len(r.pending) < maxPending {
		r.pending = append(r.pending, pendingPoint{r.nextSeq, p})
	} else {
		if r.dropped == 0 {
			slog.Warn("run: database not accepting rows; dropping new ones", "id", r.id)
		}
		r.dropped++
	}
	r.nextSeq++
	if mono-r.lastFlush < r.st.cfg.flushEvery {
		return nil
	}
	r.lastFlush = mono
	if err := r.flushLocked(context.Background(), nil); err != nil {
		return fmt.Errorf("add to run %d: %w", r.id, err)
	}
	return nil
}

// Flush writes the buffered rows and the aggregates now.
func (r *Run) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return nil
	}
	if err := r.flushLocked(context.Background(), nil); err != nil {
		return fmt.Errorf("flush run %d: %w", r.id, err)
	}
	return nil
}

// Finish ends the run at wall time at with the command's exit code (nil
// when there is none), writing everything buffered.
func (r *Run) Finish(exitCode *int, at time.Time) error {
	return r.end(exitCode, at, StateDone)
}

// Interrupt ends the run at wall time at because its command was stopped
// before it finished (cancelled, stopped when the user came back, or with
// sysmon): its figures are kept but are not a whole run's.
func (r *Run) Interrupt(at time.Time) error {
	return r.end(nil, at, StateInterrupted)
}

// end writes the final state; a zero at means the last sample's time.
func (r *Run) end(exitCode *int, at time.Time, state State) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return fmt.Errorf("finish run %d: %w", r.id, ErrFinished)
	}
	if at.IsZero() {
		at = r.lastWall
		if at.IsZero() {
			at = r.start
		}
	}
	if r.tokens != nil {
		r.tokens.Flush()
		r.agg.setTokens(r.tokens.Stats())
	}
	fin := &final{state: state, exitCode: exitCode, at: at}
	if err := r.flushLocked(context.Background(), fin); err != nil {
		return fmt.Errorf("finish run %d: %w", r.id, err)
	}
	r.ended = true
	r.st.unlockRun(r.lock, r.token)
	r.st.mu.Lock()
	delete(r.st.open, r)
	r.st.mu.Unlock()
	if r.dropped > 0 {
		slog.Warn("run: series rows were dropped", "id", r.id, "rows", r.dropped)
	}
	slog.Info("run ended", "id", r.id, "label", r.label, "state", state)
	return nil
}

type final struct {
	state    State
	exitCode *int
	at       time.Time
}

// flushLocked writes the pending rows, the aggregates and (with fin) the
// end state in one transaction. r.mu is held.
func (r *Run) flushLocked(ctx context.Context, fin *final) (err error) {
	if !r.dirty && len(r.pending) == 0 && fin == nil {
		return nil
	}
	tx, err := r.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if len(r.pending) > 0 {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO run_points (run_id, seq, seconds, cpu_percent,
			mem_used_bytes, gpu_util_percent, vram_used_bytes, power_watts, tokens_per_second)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, p := range r.pending {
			if _, err := stmt.ExecContext(ctx, r.id, p.seq, p.Seconds, nullFloat(p.CPUPercent),
				nullBytes(p.MemUsedBytes), nullFloat(p.GPUUtilPercent), nullBytes(p.VRAMUsedBytes),
				nullFloat(p.PowerWatts), nullFloat(p.TokensPerSecond)); err != nil {
				return err
			}
		}
	}
	a := r.agg.result()
	var lastMs any
	if !r.lastWall.IsZero() {
		lastMs = r.lastWall.UnixMilli()
	}
	res, err := tx.ExecContext(ctx, `UPDATE runs SET samples = ?, last_sample_ms = COALESCE(?, last_sample_ms),
		cpu_avg_percent = ?, cpu_peak_percent = ?, ram_peak_bytes = ?, vram_peak_bytes = ?,
		gpu_util_avg_percent = ?, energy_joules = ?, energy_source = ?, prompt_tokens = ?,
		generated_tokens = ?, tokens_per_second = ?, joules_per_token = ? WHERE id = ?`,
		a.Samples, lastMs, nullFloat(a.CPUAvgPercent), nullFloat(a.CPUPeakPercent), nullBytes(a.RAMPeakBytes),
		nullBytes(a.VRAMPeakBytes), nullFloat(a.GPUUtilAvgPercent), nullFloat(a.EnergyJoules),
		nullString(string(a.EnergySource)), nullInt64(a.PromptTokens), nullInt64(a.GeneratedTokens),
		nullFloat(a.TokensPerSecond), nullFloat(a.JoulesPerToken), r.id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("run %d: %w (deleted while running?)", r.id, ErrNotFound)
	}
	if fin != nil {
		var code any
		if fin.exitCode != nil {
			code = *fin.exitCode
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = ?, ended_ms = ?, exit_code = ? WHERE id = ?`,
			fin.state, fin.at.UnixMilli(), code, r.id); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	r.pending = r.pending[:0]
	if cap(r.pending) > 1024 {
		r.pending = nil // do not keep a backlog's worth of memory
	}
	r.dirty = false
	return nil
}

func nullFloat(p *float64) any {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return *p
}

func nullBytes(p *uint64) any {
	if p == nil || *p > math.MaxInt64 {
		return nil
	}
	return int64(*p)
}

func nullInt64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// scan helpers for nullable columns
func floatPtr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	return ptr(v.Float64)
}

func bytesPtr(v sql.NullInt64) *uint64 {
	if !v.Valid || v.Int64 < 0 {
		return nil
	}
	return ptr(uint64(v.Int64))
}

func int64Ptr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return ptr(v.Int64)
}
