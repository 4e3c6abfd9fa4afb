package runs

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SchemaVersion is the database layout this package writes, kept in
// PRAGMA user_version. Open migrates older files and refuses newer ones.
const SchemaVersion = 2

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound is the "no data" sentinel: no run has that id.
	ErrNotFound = errors.New("no such run")
	// ErrCorrupt is matched by the *CorruptError Open returns.
	ErrCorrupt = errors.New("runs database is corrupt")
	// ErrFinished is returned by Finish on a run that has already ended.
	ErrFinished = errors.New("run already finished")
)

// CorruptError is what Open returns when the file is not a readable SQLite
// database. The file (and its -wal/-shm companions) has already been renamed
// to MovedTo, never emptied or deleted; calling Open(Path) again starts a new,
// empty database.
type CorruptError struct {
	Path    string // the database that failed to open
	MovedTo string // where it is now
	Err     error  // what SQLite or the integrity check said
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("runs database %s is corrupt (%v); moved it to %s, open again to start a new one",
		e.Path, e.Err, e.MovedTo)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true and keeps the cause reachable.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

const (
	defaultFlushInterval = 2 * time.Second
	defaultBusyTimeout   = 10 * time.Second
)

// Option configures Open.
type Option func(*config)

type config struct {
	flushEvery  time.Duration
	busyTimeout time.Duration
}

// WithFlushInterval sets how often (in the samples' monotonic time) a run
// writes its buffered series rows and aggregates; a crash loses at most this
// much. Default 2 s; 0 writes on every Add.
func WithFlushInterval(d time.Duration) Option { return func(c *config) { c.flushEvery = max(d, 0) } }

// WithBusyTimeout sets how long a write waits for another writer (another
// sysmon process) before failing. Default 10 s.
func WithBusyTimeout(d time.Duration) Option { return func(c *config) { c.busyTimeout = max(d, 0) } }

// Store is an open runs database. It is safe for concurrent use, and
// several Stores (in one process or several) may share one file.
type Store struct {
	db      *sql.DB
	path    string
	lockDir string
	cfg     config

	mu     sync.Mutex
	open   map[*Run]struct{} // started here and not finished
	closed bool
}

// Open opens (creating and migrating when needed) the runs database at path.
// A file that is not a database, or fails SQLite's quick integrity check, is
// moved aside and reported as a *CorruptError.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := config{flushEvery: defaultFlushInterval, busyTimeout: defaultBusyTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open runs database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open runs database: %w", err)
	}
	// Commands can hold secrets: a new database is private to the user
	// (SQLite gives its -wal and -shm files the same mode).
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("open runs database: %w", err)
	}
	// A file that is not SQLite at all is moved before SQLite opens it:
	// closing a connection may delete a -wal file that belongs to it.
	err = checkHeader(abs)
	var db *sql.DB
	if err == nil {
		db, err = sql.Open("sqlite", dsn(abs, cfg))
		if err != nil {
			return nil, fmt.Errorf("open runs database %s: %w", abs, err)
		}
		db.SetMaxOpenConns(4)
		db.SetMaxIdleConns(4)
		if err = initialize(context.Background(), db, cfg.busyTimeout); err != nil {
			db.Close()
		}
	}
	if err != nil {
		if !isCorrupt(err) {
			return nil, fmt.Errorf("open runs database %s: %w", abs, err)
		}
		moved, merr := moveAside(abs)
		if merr != nil {
			return nil, fmt.Errorf("open runs database %s: corrupt (%w), and moving it aside failed: %w", abs, err, merr)
		}
		slog.Error("runs database is corrupt; moved aside", "path", abs, "moved_to", moved, "err", err)
		return nil, &CorruptError{Path: abs, MovedTo: moved, Err: err}
	}
	return &Store{db: db, path: abs, lockDir: abs + ".locks", cfg: cfg, open: map[*Run]struct{}{}}, nil
}

// dsn builds a file: URI (so that any character in the path is escaped)
// with the connection settings every pooled connection gets. WAL mode is
// kept in the file; initialize sets it once.
func dsn(abs string, cfg config) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") { // C:/... on Windows
		p = "/" + p
	}
	u := url.URL{Scheme: "file", Path: p}
	u.RawQuery = url.Values{
		"_pragma": {
			"busy_timeout(" + strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10) + ")",
			// In WAL mode NORMAL loses no committed transaction when the
			// process dies, only (possibly) the last ones on power loss.
			"synchronous(NORMAL)",
			"foreign_keys(1)",
		},
		// Write transactions take the write lock at BEGIN, so two writers
		// wait for each other (busy_timeout) instead of failing on upgrade.
		"_txlock": {"immediate"},
	}.Encode()
	return u.String()
}

// initialize checks the file, switches it to WAL and brings its schema up
// to date. Switching the journal mode needs a lock that SQLite does not wait
// for under busy_timeout, so two processes creating the file at once retry.
func initialize(ctx context.Context, db *sql.DB, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		err := initOnce(ctx, db)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(delay)
	}
}

func initOnce(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not WAL", mode)
	}
	if err := quickCheck(ctx, db); err != nil {
		return err
	}
	return migrate(ctx, db)
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// errDamaged is a damaged file found by checkHeader or PRAGMA quick_check.
type errDamaged struct{ report string }

func (e errDamaged) Error() string { return e.report }

// checkHeader looks at the start of the file: an empty file is a new
// database; anything else must begin with SQLite's magic string. (A short
// file that is a prefix of it is left for SQLite to judge: another process
// may be creating it.)
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	const magic = "SQLite format 3\x00"
	hdr := make([]byte, len(magic))
	n, err := io.ReadFull(f, hdr)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	if !bytes.HasPrefix([]byte(magic), hdr[:n]) {
		return errDamaged{"not an SQLite database (no SQLite header)"}
	}
	return nil
}

func quickCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(msgs) == 1 && msgs[0] == "ok" {
		return nil
	}
	return errDamaged{"integrity check: " + strings.ReplaceAll(strings.Join(msgs, "; "), "\n", "; ")}
}

// isCorrupt tells a damaged file from other failures (permissions, a full
// disk, a lock held too long), which must never move the file.
func isCorrupt(err error) bool {
	var de errDamaged
	if errors.As(err, &de) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return false
}

// moveAside renames path and its -wal/-shm files to
// <path>.corrupt-<UTC timestamp>[-N], keeping them paired.
func moveAside(path string) (string, error) {
	base := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405Z")
	to := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(to); errors.Is(err, fs.ErrNotExist) {
			break
		}
		to = base + "-" + strconv.Itoa(i)
	}
	if err := os.Rename(path, to); err != nil {
		return "", err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Rename(path+suffix, to+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return to, fmt.Errorf("move %s: %w", path+suffix, err)
		}
	}
	return to, nil
}

// migrations[i] takes the schema from version i to i+1.
var migrations = [][]string{
	{
		`CREATE TABLE runs (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT,
	label                TEXT    NOT NULL,
	command              TEXT    NOT NULL,
	state                TEXT    NOT NULL CHECK (state IN ('running', 'done', 'interrupted')),
	started_ms           INTEGER NOT NULL,
	ended_ms             INTEGER,
	last_sample_ms       INTEGER,
	exit_code            INTEGER,
	lock_token           TEXT    NOT NULL,
	samples              INTEGER NOT NULL DEFAULT 0,
	cpu_avg_percent      REAL,
	cpu_peak_percent     REAL,
	ram_peak_bytes       INTEGER,
	vram_peak_bytes      INTEGER,
	gpu_util_avg_percent REAL,
	energy_joules        REAL,
	energy_source        TEXT,
	prompt_tokens        INTEGER,
	generated_tokens     INTEGER,
	tokens_per_second    REAL,
	joules_per_token     REAL
)`,
		`CREATE INDEX runs_state ON runs (state)`,
		`CREATE TABLE run_points (
	run_id            INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	seq               INTEGER NOT NULL,
	seconds           REAL    NOT NULL,
	cpu_percent       REAL,
	mem_used_bytes    INTEGER,
	gpu_util_percent  REAL,
	vram_used_bytes   INTEGER,
	power_watts       REAL,
	tokens_per_second REAL,
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID`,
	},
	// Version 2: the idle job queue (package jobs). It lives here, beside
	// the runs, so that one file and one migration history hold both and a
	// job can point at the run that recorded its last attempt.
	{
		`CREATE TABLE jobs (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	name                TEXT    NOT NULL,
	argv                TEXT    NOT NULL,
	dir                 TEXT    NOT NULL,
	env                 TEXT    NOT NULL DEFAULT '[]',
	start_when          TEXT    NOT NULL CHECK (start_when IN ('idle', 'now')),
	idle_for_ms         INTEGER CHECK (idle_for_ms >= 0),
	max_gpu_percent     REAL    CHECK (max_gpu_percent BETWEEN 0 AND 100),
	min_free_vram_bytes INTEGER CHECK (min_free_vram_bytes >= 0),
	max_cpu_percent     REAL    CHECK (max_cpu_percent BETWEEN 0 AND 100),
	on_ac               INTEGER NOT NULL DEFAULT 0 CHECK (on_ac IN (0, 1)),
	on_return           TEXT    NOT NULL CHECK (on_return IN ('pause', 'keep', 'stop')),
	on_interrupt        TEXT    NOT NULL CHECK (on_interrupt IN ('requeue', 'fail')),
	position            INTEGER NOT NULL,
	state               TEXT    NOT NULL CHECK (state IN
	                      ('queued', 'waiting', 'running', 'paused', 'done', 'failed', 'cancelled', 'interrupted')),
	message             TEXT    NOT NULL DEFAULT '',
	created_ms          INTEGER NOT NULL,
	started_ms          INTEGER,
	ended_ms            INTEGER,
	exit_code           INTEGER,
	attempts            INTEGER NOT NULL DEFAULT 0,
	log_path            TEXT    NOT NULL DEFAULT '',
	run_id              INTEGER REFERENCES runs (id) ON DELETE SET NULL,
	pid                 INTEGER,
	pid_start           INTEGER,
	cancel_requested    INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
	run_now             INTEGER NOT NULL DEFAULT 0 CHECK (run_now IN (0, 1))
)`,
		`CREATE INDEX jobs_state_position ON jobs (state, position)`,
	},
}

func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one migrator at a time
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this sysmon supports (%d)", v, SchemaVersion)
	}
	if v == SchemaVersion {
		return nil
	}
	for i := v; i < SchemaVersion; i++ {
		for _, stmt := range migrations[i] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate to schema version %d: %w", i+1, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(SchemaVersion)); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// DB is the Store's connection pool (WAL, busy timeout, BEGIN IMMEDIATE
// transactions, foreign keys on). Package jobs keeps its queue in the same
// file through it rather than opening a second pool, so that both obey the
// same settings; it is closed by Close, not by its users.
func (s *Store) DB() *sql.DB { return s.db }

// Close ends the runs still open in this Store as interrupted (their
// buffered rows and aggregates written first) and closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	open := make([]*Run, 0, len(s.open))
	for r := range s.open {
		open = append(open, r)
	}
	s.mu.Unlock()
	var errs []error
	for _, r := range open {
		if err := r.end(nil, time.Time{}, StateInterrupted); err != nil && !errors.Is(err, ErrFinished) {
			errs = append(errs, err)
		}
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close runs database: %w", err))
	}
	return errors.Join(errs...)
}

// DefaultPath is where sysmon keeps its runs database: the per-user data
// directory, sysmon/sysmon.db inside $XDG_DATA_HOME (else
// ~/.local/share) on Linux and other Unix systems, ~/Library/Application
// Support on macOS and %AppData% on Windows.
func DefaultPath() (string, error) {
	home, _ := os.UserHomeDir()
	return defaultPath(runtime.GOOS, os.Getenv, home)
}

func defaultPath(goos string, getenv func(string) string, home string) (string, error) {
	var dir string
	switch goos {
	case "windows":
		dir = getenv("AppData")
		if dir == "" {
			return "", errors.New("runs database: %AppData% is not set")
		}
	case "darwin", "ios":
		if home == "" {
			return "", errors.New("runs database: no home directory")
		}
		dir = filepath.Join(home, "Library", "Application Support")
	case "plan9":
		if home == "" {
			return "", errors.New("runs database: no home directory")
		}
		dir = filepath.Join(home, "lib")
	default:
		// The XDG spec says a relative value is invalid and is ignored.
		if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
			dir = x
		} else if home != "" {
			dir = filepath.Join(home, ".local", "share")
		} else {
			return "", errors.New("runs database: neither $XDG_DATA_HOME nor $HOME is set")
		}
	}
	return filepath.Join(dir, "sysmon", "sysmon.db"), nil
}
