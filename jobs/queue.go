package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"sysmon/filelock"
	"sysmon/runs"
)

// Queue is the persistent job queue, kept in the runs database so that a
// job can point at the run its last attempt recorded. Every method is one
// transaction, so several processes (the window, the daemon, `sysmon queue
// add`) may use the same file at once.
type Queue struct {
	db     *sql.DB
	path   string
	logDir string
}

// Open returns the queue kept in st's database. Job logs go to a jobs
// folder beside the database file.
func Open(st *runs.Store) (*Queue, error) {
	dir := filepath.Join(filepath.Dir(st.Path()), "jobs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("job logs folder: %w", err)
	}
	return &Queue{db: st.DB(), path: st.Path(), logDir: dir}, nil
}

const jobColumns = `id, name, argv, dir, env, start_when, idle_for_ms, max_gpu_percent, min_free_vram_bytes,
	max_cpu_percent, on_ac, on_return, on_interrupt, position, state, message, created_ms, started_ms,
	ended_ms, exit_code, attempts, log_path, run_id, pid, pid_start, cancel_requested, run_now`

// endedStates is the SQL list of the states a job never leaves.
const endedStates = `('done', 'failed', 'cancelled', 'interrupted')`

// maxIdleFor is the longest a job may ask the user to be away: longer than
// the longest AFK threshold is a typo, not a plan.
const maxIdleFor = 24 * time.Hour

// Validate fills in j's defaults and says what is wrong with it, if
// anything, in words meant for the person who typed it.
func (j *Job) Validate() error {
	if len(j.Argv) == 0 || j.Argv[0] == "" {
		return errors.New("a job needs a command")
	}
	// The queue keeps commands as text: bytes that are not UTF-8 would come
	// back changed, and run a different command than the one queued.
	for i, a := range j.Argv {
		if !utf8.ValidString(a) {
			return fmt.Errorf("argument %d (%q) is not valid UTF-8 text, which the queue cannot keep unchanged; "+
				"use a name in UTF-8, or --shell with a pattern that matches it", i+1, a)
		}
	}
	for _, f := range []struct{ what, v string }{{"working directory", j.Dir}, {"job name", j.Name}} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%s %q is not valid UTF-8 text", f.what, f.v)
		}
	}
	if strings.IndexFunc(j.Name, unicode.IsControl) >= 0 {
		return fmt.Errorf("job name %q holds control characters (newlines, tabs, escapes): use plain text", j.Name)
	}
	if j.Name == "" {
		j.Name = filepath.Base(j.Argv[0])
	}
	if !filepath.IsAbs(j.Dir) {
		return fmt.Errorf("working directory %q is not an absolute path", j.Dir)
	}
	if fi, err := os.Stat(j.Dir); err != nil {
		return fmt.Errorf("working directory: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("working directory %s is not a folder", j.Dir)
	}
	for _, kv := range j.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("environment entry %q is not KEY=VALUE", kv)
		}
		if !utf8.ValidString(kv) {
			return fmt.Errorf("environment entry %q is not valid UTF-8 text", kv)
		}
	}
	switch j.When {
	case "":
		j.When = WhenIdle
	case WhenIdle, WhenNow:
	default:
		return fmt.Errorf("when %q: use idle or now", j.When)
	}
	switch j.OnReturn {
	case "":
		j.OnReturn = ReturnPause
	case ReturnPause, ReturnKeep, ReturnStop:
	default:
		return fmt.Errorf("on return %q: use pause, keep or stop", j.OnReturn)
	}
	switch j.OnInterrupt {
	case "":
		j.OnInterrupt = InterruptRequeue
	case InterruptRequeue, InterruptFail:
	default:
		return fmt.Errorf("on interrupt %q: use requeue or fail", j.OnInterrupt)
	}
	c := j.Conditions
	if c.IdleFor != nil && (*c.IdleFor < 0 || *c.IdleFor > maxIdleFor) {
		return fmt.Errorf("idle for %s: must be between 0s and %s", *c.IdleFor, maxIdleFor)
	}
	for _, p := range []struct {
		name string
		v    *float64
	}{{"max GPU", c.MaxGPUPercent}, {"max CPU", c.MaxCPUPercent}} {
		if p.v != nil && !(*p.v >= 0 && *p.v <= 100) {
			return fmt.Errorf("%s %v %%: must be between 0 and 100", p.name, *p.v)
		}
	}
	return nil
}

// Add validates j and puts it at the end of the queue, returning it as
// stored (with its id, position and log file).
func (q *Queue) Add(ctx context.Context, j Job) (Job, error) {
	if err := j.Validate(); err != nil {
		return Job{}, err
	}
	argv, err := json.Marshal(j.Argv)
	if err != nil {
		return Job{}, fmt.Errorf("add job: %w", err)
	}
	env := j.Env
	if env == nil {
		env = []string{}
	}
	envJSON, err := json.Marshal(env)
	if err != nil {
		return Job{}, fmt.Errorf("add job: %w", err)
	}
	var id int64
	err = q.tx(ctx, func(tx *sql.Tx) error {
		c := j.Conditions
		res, err := tx.ExecContext(ctx, `INSERT INTO jobs (name, argv, dir, env, start_when, idle_for_ms,
			max_gpu_percent, min_free_vram_bytes, max_cpu_percent, on_ac, on_return, on_interrupt,
			position, state, created_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM jobs), ?, ?)`,
			j.Name, string(argv), j.Dir, string(envJSON), j.When, durationMS(c.IdleFor), c.MaxGPUPercent,
			c.MinFreeVRAM, c.MaxCPUPercent, c.OnAC, j.OnReturn, j.OnInterrupt, StateQueued, time.Now().UnixMilli())
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		log, err := q.claimLog(id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET log_path = ? WHERE id = ?`, log, id)
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("add job %q: %w", j.Name, err)
	}
	return q.Get(ctx, id)
}

// claimLog creates the log file of job id: ID.log, or ID-2.log and so on
// when a file of that name is left from a database that was set aside, so
// that a new job never appends to an old job's output.
func (q *Queue) claimLog(id int64) (string, error) {
	for n := 1; ; n++ {
		name := strconv.FormatInt(id, 10)
		if n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		path := filepath.Join(q.logDir, name+".log")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("job log: %w", err)
		}
		return path, f.Close()
	}
}

func durationMS(d *time.Duration) *int64 {
	if d == nil {
		return nil
	}
	ms := d.Milliseconds()
	return &ms
}

// Get returns one job.
func (q *Queue) Get(ctx context.Context, id int64) (Job, error) {
	return getJob(ctx, q.db, id)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getJob(ctx context.Context, db queryer, id int64) (Job, error) {
	j, err := scanJob(db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, fmt.Errorf("job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Job{}, fmt.Errorf("job %d: %w", id, err)
	}
	return j, nil
}

// Counts returns how many jobs are in each state, every state included.
func (q *Queue) Counts(ctx context.Context) (map[State]int, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	out := make(map[State]int, len(States))
	for _, st := range States {
		out[st] = 0
	}
	for rows.Next() {
		var st State
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		out[st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	return out, nil
}

// List returns the jobs that have not ended, in queue order; with all, the
// ended ones follow, newest first.
func (q *Queue) List(ctx context.Context, all bool) ([]Job, error) {
	query := `SELECT ` + jobColumns + ` FROM jobs WHERE state NOT IN ` + endedStates + ` ORDER BY position, id`
	if all {
		query = `SELECT ` + jobColumns + ` FROM jobs ORDER BY state IN ` + endedStates + `,
			CASE WHEN state IN ` + endedStates + ` THEN -id ELSE position END, id`
	}
	rows, err := q.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanJob(r scanner) (Job, error) {
	var (
		j                          Job
		argv, env                  string
		idleMS, started, ended     sql.NullInt64
		maxGPU, maxCPU             sql.NullFloat64
		minVRAM, exit, run, pid    sql.NullInt64
		pidStart                   sql.NullInt64
		created                    int64
		onAC, cancelReq, runNowInt bool
	)
	err := r.Scan(&j.ID, &j.Name, &argv, &j.Dir, &env, &j.When, &idleMS, &maxGPU, &minVRAM, &maxCPU,
		&onAC, &j.OnReturn, &j.OnInterrupt, &j.Position, &j.State, &j.Message, &created, &started, &ended,
		&exit, &j.Attempts, &j.LogPath, &run, &pid, &pidStart, &cancelReq, &runNowInt)
	if err != nil {
		return Job{}, err
	}
	if err := json.Unmarshal([]byte(argv), &j.Argv); err != nil {
		return Job{}, fmt.Errorf("job %d command: %w", j.ID, err)
	}
	if err := json.Unmarshal([]byte(env), &j.Env); err != nil {
		return Job{}, fmt.Errorf("job %d environment: %w", j.ID, err)
	}
	if idleMS.Valid {
		d := time.Duration(idleMS.Int64) * time.Millisecond
		j.Conditions.IdleFor = &d
	}
	if maxGPU.Valid {
		j.Conditions.MaxGPUPercent = &maxGPU.Float64
	}
	if minVRAM.Valid {
		v := uint64(minVRAM.Int64)
		j.Conditions.MinFreeVRAM = &v
	}
	if maxCPU.Valid {
		j.Conditions.MaxCPUPercent = &maxCPU.Float64
	}
	j.Conditions.OnAC, j.CancelRequested, j.RunNow = onAC, cancelReq, runNowInt
	j.Created = time.UnixMilli(created)
	if started.Valid {
		j.Started = time.UnixMilli(started.Int64)
	}
	if ended.Valid {
		j.Ended = time.UnixMilli(ended.Int64)
	}
	if exit.Valid {
		c := int(exit.Int64)
		j.ExitCode = &c
	}
	j.RunID, j.PID, j.PIDStart = run.Int64, int(pid.Int64), uint64(pidStart.Int64)
	return j, nil
}

// tx runs f in one write transaction (BEGIN IMMEDIATE, see runs.Store.DB).
func (q *Queue) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// update runs one statement on job id and reports ErrNotFound when it
// matched no row.
func (q *Queue) update(ctx context.Context, what string, id int64, query string, args ...any) error {
	res, err := q.db.ExecContext(ctx, query, append(args, id)...)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("%s job %d: %w", what, id, err)
	}
	return nil
}

// SetState records a state and its message.
func (q *Queue) SetState(ctx context.Context, id int64, st State, msg string) error {
	return q.update(ctx, "set state of", id, `UPDATE jobs SET state = ?, message = ? WHERE id = ?`, st, msg)
}

// Start records that an attempt of job id began as process pid (started at
// pidStart by the OS's clock), recording run runID (0 for none).
func (q *Queue) Start(ctx context.Context, id int64, pid int, pidStart uint64, runID int64) error {
	return q.update(ctx, "start", id, `UPDATE jobs SET state = ?, message = '', started_ms = ?, ended_ms = NULL,
		exit_code = NULL, attempts = attempts + 1, pid = ?, pid_start = ?, run_id = NULLIF(?, 0) WHERE id = ?`,
		StateRunning, time.Now().UnixMilli(), pid, int64(pidStart), runID)
}

// Finish ends job id in state st (one of the ended states).
func (q *Queue) Finish(ctx context.Context, id int64, st State, exitCode *int, msg string) error {
	if !st.Ended() {
		return fmt.Errorf("finish job %d: %s is not an end state", id, st)
	}
	return q.update(ctx, "finish", id, `UPDATE jobs SET state = ?, message = ?, ended_ms = ?, exit_code = ?,
		pid = NULL, pid_start = NULL, run_now = 0 WHERE id = ?`, st, msg, time.Now().UnixMilli(), exitCode)
}

// Requeue puts job id back at the head of the queue, to run again from the
// start.
func (q *Queue) Requeue(ctx context.Context, id int64, msg string) error {
	return q.update(ctx, "requeue", id, `UPDATE jobs SET state = ?, message = ?, ended_ms = NULL, pid = NULL,
		pid_start = NULL, cancel_requested = 0,
		position = (SELECT COALESCE(MIN(position), 1) - 1 FROM jobs WHERE state NOT IN `+endedStates+`)
		WHERE id = ?`, StateQueued, msg)
}

// Cancel cancels job id: a pending job ends at once; a running or paused
// one is marked, and the scheduler ends its process group on its next tick.
func (q *Queue) Cancel(ctx context.Context, id int64) (Job, error) {
	err := q.tx(ctx, func(tx *sql.Tx) error {
		j, err := getJob(ctx, tx, id)
		switch {
		case err != nil:
			return err
		case j.State.Ended():
			return fmt.Errorf("cancel job %d: %w (%s)", id, ErrEnded, j.State)
		case j.State.Pending():
			_, err = tx.ExecContext(ctx, `UPDATE jobs SET state = ?, message = ?, ended_ms = ? WHERE id = ?`,
				StateCancelled, "cancelled before it started", time.Now().UnixMilli(), id)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE jobs SET cancel_requested = 1 WHERE id = ?`, id)
		}
		return err
	})
	if err != nil {
		return Job{}, err
	}
	return q.Get(ctx, id)
}

// Move puts pending job id at place to (1 is next) among the pending jobs,
// or last when to is past the end, and returns the place it took.
func (q *Queue) Move(ctx context.Context, id int64, to int) (int, error) {
	if to < 1 {
		return 0, fmt.Errorf("move job %d: place %d: the first place is 1", id, to)
	}
	place := 0
	err := q.tx(ctx, func(tx *sql.Tx) error {
		j, err := getJob(ctx, tx, id)
		if err != nil {
			return err
		}
		if !j.State.Pending() {
			return fmt.Errorf("move job %d: %w (%s)", id, ErrNotPending, j.State)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, position FROM jobs WHERE state IN (?, ?) ORDER BY position, id`,
			StateQueued, StateWaiting)
		if err != nil {
			return err
		}
		var order []int64
		var places []int64
		for rows.Next() {
			var jid, pos int64
			if err := rows.Scan(&jid, &pos); err != nil {
				rows.Close()
				return err
			}
			places = append(places, pos)
			if jid != id {
				order = append(order, jid)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		at := min(to-1, len(order))
		place = at + 1
		order = append(order[:at], append([]int64{id}, order[at:]...)...)
		// The pending jobs keep the set of positions they had, so running
		// and ended jobs never collide with them.
		for i, jid := range order {
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET position = ? WHERE id = ?`, places[i], jid); err != nil {
				return err
			}
		}
		return nil
	})
	return place, err
}

// RunNow marks pending job id to start as soon as a slot is free, ahead of
// the others and whatever its conditions.
func (q *Queue) RunNow(ctx context.Context, id int64) error {
	return q.tx(ctx, func(tx *sql.Tx) error {
		j, err := getJob(ctx, tx, id)
		if err != nil {
			return err
		}
		if !j.State.Pending() {
			return fmt.Errorf("run job %d now: %w (%s)", id, ErrNotPending, j.State)
		}
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET run_now = 1, message = '',
			position = (SELECT MIN(position) - 1 FROM jobs WHERE state NOT IN `+endedStates+`) WHERE id = ?`, id)
		return err
	})
}

// Recover applies the interrupt policy to the jobs that a previous
// scheduler left running or paused, and returns them as they were (their
// PID and PIDStart name the processes it may have left behind). Only the
// holder of the scheduler lock may call it.
func (q *Queue) Recover(ctx context.Context) ([]Job, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE state IN (?, ?) ORDER BY position`,
		StateRunning, StatePaused)
	if err != nil {
		return nil, fmt.Errorf("recover jobs: %w", err)
	}
	var left []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("recover jobs: %w", err)
		}
		left = append(left, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recover jobs: %w", err)
	}
	for _, j := range left {
		switch {
		case j.CancelRequested:
			err = q.Finish(ctx, j.ID, StateCancelled, nil, "cancelled; sysmon had stopped while it ran")
		case j.OnInterrupt == InterruptRequeue:
			err = q.Requeue(ctx, j.ID, "interrupted when sysmon stopped; runs again from the start")
		default:
			err = q.Finish(ctx, j.ID, StateInterrupted, nil, "interrupted when sysmon stopped")
		}
		if err != nil {
			return left, err
		}
	}
	return left, nil
}

// Lock takes the scheduler lock of this database: only its holder starts
// jobs. role names the holder ("daemon", "window") for the others'
// messages. ErrLocked means another process holds it; the lock goes with
// the process however it ends.
func (q *Queue) Lock(role string) (*os.File, error) {
	path := q.path + ".scheduler"
	f, ok, err := filelock.TryLock(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("job queue lock: %w", err)
	case !ok:
		if who := q.Holder(); who != "" {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, who)
		}
		return nil, ErrLocked
	}
	if f != nil {
		_ = os.WriteFile(path+".owner", []byte(fmt.Sprintf("sysmon %s, pid %d", role, os.Getpid())), 0o600)
	}
	return f, nil
}

// Holder says who holds the scheduler lock, as its holder wrote it, or ""
// when nobody does or it is unknown. The owner file outlives its writer, so
// the lock itself is tried first: a free lock has no holder.
func (q *Queue) Holder() string {
	if f, free, err := filelock.TryLock(q.path + ".scheduler"); err == nil && free {
		if f != nil {
			_ = f.Close()
		}
		return ""
	}
	b, err := os.ReadFile(q.path + ".scheduler.owner")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
