package runs

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sysmon/llm"
)

var ctx = context.Background()

func TestOpenCreatesSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "sysmon.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var v int
	if err := st.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("user_version = %d, %v; want %d", v, err, SchemaVersion)
	}
	var mode string
	if err := st.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("database mode %v, want 0600", fi.Mode().Perm())
		}
	}
	list, err := st.List(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("List on a new database = %v, %v", list, err)
	}
	if _, err := st.Get(ctx, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(1) error = %v, want ErrNotFound", err)
	}
	if _, err := st.Series(ctx, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Series(1) error = %v, want ErrNotFound", err)
	}
	// Reopening keeps the version and does not migrate again.
	st2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st2.Close()
}

func TestOpenPathWithOddCharacters(t *testing.T) {
	odd := "a dir?#%&=" // characters a file: URI must escape
	if runtime.GOOS == "windows" {
		odd = "a dir #%&="
	}
	path := filepath.Join(t.TempDir(), odd, "runs 100%.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Start("x", nil, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the path given: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sysmon.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = Open(path)
	if err == nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v, want a 'newer' error that is not ErrCorrupt", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the newer database was moved: %v", err)
	}
}

func TestLifecycleListGet(t *testing.T) {
	st := openTemp(t)
	a, err := st.Start("llama3 8b q4", []string{"llama-cli", "-m", "a.gguf"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Start("llama3 8b q8", []string{"llama-cli", "-m", "b.gguf"}, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		a.Add(smp(float64(i), f64(10), u64(gib)), mono(float64(i)))
	}
	list, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != b.ID() || list[1].ID != a.ID() {
		t.Fatalf("List = %+v, want b then a", list)
	}
	if list[1].State != StateRunning || list[1].End != nil {
		t.Errorf("running run: state %s end %v", list[1].State, list[1].End)
	}
	code := 3
	if err := a.Finish(&code, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := a.Finish(nil, t0); !errors.Is(err, ErrFinished) {
		t.Errorf("second Finish: %v, want ErrFinished", err)
	}
	if err := a.Add(smp(4, nil, nil), mono(4)); !errors.Is(err, ErrFinished) {
		t.Errorf("Add after Finish: %v, want ErrFinished", err)
	}
	got, err := st.Get(ctx, a.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateDone || got.ExitCode == nil || *got.ExitCode != 3 || got.Samples != 3 ||
		got.End == nil || !got.End.Equal(t0.Add(10*time.Second)) || got.DurationSeconds != 10 ||
		!got.Start.Equal(t0) || got.Label != "llama3 8b q4" {
		t.Errorf("finished run = %+v", got)
	}
	if err := st.Delete(ctx, b.ID()); err == nil {
		t.Error("deleted a running run")
	}
	if err := b.Finish(nil, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Get(ctx, b.ID())
	if got.ExitCode != nil || got.Samples != 0 || got.CPUAvgPercent != nil {
		t.Errorf("run without samples or exit code = %+v", got)
	}
	if err := st.Delete(ctx, a.ID()); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, a.ID()); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete: %v, want ErrNotFound", err)
	}
	var n int
	st.db.QueryRow("SELECT count(*) FROM run_points WHERE run_id = ?", a.ID()).Scan(&n)
	if n != 0 {
		t.Errorf("%d series rows left after Delete", n)
	}
}

func TestFlushInterval(t *testing.T) {
	st := openTemp(t, WithFlushInterval(2*time.Second))
	r, err := st.Start("flush", nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() (samples int, rows int) {
		st.db.QueryRow("SELECT samples FROM runs WHERE id = ?", r.ID()).Scan(&samples)
		st.db.QueryRow("SELECT count(*) FROM run_points WHERE run_id = ?", r.ID()).Scan(&rows)
		return
	}
	for i, want := range []int{0, 0, 0, 0, 5, 5, 5, 5, 9} { // 0.5 s ticks: a write at 2 s and at 4 s
		r.Add(smp(float64(i)/2, f64(1), nil), mono(float64(i)/2))
		if s, rows := stored(); s != want || rows != want {
			t.Fatalf("after sample %d: stored samples %d rows %d, want %d", i, s, rows, want)
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if s, rows := stored(); s != 9 || rows != 9 {
		t.Fatalf("after Flush: %d/%d, want 9", s, rows)
	}
}

func TestStoreCloseInterruptsOpenRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sysmon.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := st.Start("left open", nil, t0)
	r.Add(smp(1, f64(3), nil), mono(1))
	r.Add(smp(2, f64(5), nil), mono(2))
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Get(ctx, r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateInterrupted || got.Samples != 2 || got.End == nil || !got.End.Equal(t0.Add(2*time.Second)) {
		t.Errorf("after Close: %+v", got)
	}
	wantF(t, "cpu avg", got.CPUAvgPercent, 4)
}

// crash ends st the way a dying process would: no flush, no Finish, the
// run locks and the database handles simply dropped.
func crash(st *Store) {
	st.mu.Lock()
	for r := range st.open {
		if r.lock != nil {
			r.lock.Close()
		}
	}
	st.open = nil
	st.closed = true
	st.mu.Unlock()
	st.db.Close()
}

func TestCrashThenMarkInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sysmon.db")
	st, err := Open(path, WithFlushInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	done, _ := st.Start("finished", nil, t0)
	done.Finish(nil, t0.Add(time.Second))
	r, _ := st.Start("crashes", []string{"ollama", "run", "llama3"}, t0)
	for i := range 6 { // 0.5 s ticks: flushed at 1 s and 2 s, the 2.5 s one lost
		r.Add(smp(float64(i)/2, f64(float64(i)), u64(uint64(i)*gib)), mono(float64(i)/2))
	}
	crash(st)

	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.MarkInterrupted(ctx)
	if err != nil || n != 1 {
		t.Fatalf("MarkInterrupted = %d, %v; want 1", n, err)
	}
	got, err := st.Get(ctx, r.ID())
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateInterrupted || got.Samples != 5 || got.End == nil || !got.End.Equal(t0.Add(2*time.Second)) ||
		got.DurationSeconds != 2 {
		t.Errorf("interrupted run = %+v", got)
	}
	wantF(t, "cpu peak", got.CPUPeakPercent, 4)
	wantU(t, "ram peak", got.RAMPeakBytes, 4*gib)
	pts, _ := st.Series(ctx, r.ID())
	if len(pts) != 5 {
		t.Errorf("series has %d rows, want 5", len(pts))
	}
	if d, _ := st.Get(ctx, done.ID()); d.State != StateDone {
		t.Errorf("finished run became %s", d.State)
	}
	if n, err := st.MarkInterrupted(ctx); n != 0 || err != nil {
		t.Errorf("second MarkInterrupted = %d, %v", n, err)
	}
	if left, _ := os.ReadDir(path + ".locks"); len(left) != 0 {
		t.Errorf("lock files left: %v", left)
	}
}

// A copy of the files taken while a run is being written is what a crash
// (or a power cut after the WAL reached the disk) leaves behind.
func TestCopyMidRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sysmon.db")
	st, err := Open(path, WithFlushInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, _ := st.Start("copied", nil, t0)
	for i := range 5 {
		r.Add(smp(float64(i), f64(20), nil), mono(float64(i)))
	}
	cp := filepath.Join(dir, "copy", "sysmon.db")
	os.MkdirAll(filepath.Dir(cp), 0o700)
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cp+suffix, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	r.Add(smp(5, f64(20), nil), mono(5))

	c, err := Open(cp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n, err := c.MarkInterrupted(ctx); n != 1 || err != nil {
		t.Fatalf("MarkInterrupted on the copy = %d, %v", n, err)
	}
	got, _ := c.Get(ctx, r.ID())
	if got.State != StateInterrupted || got.Samples != 5 {
		t.Errorf("copy: %+v", got)
	}
	checkIntegrity(t, c.db)
	// The original, whose writer is alive, is untouched.
	if n, err := st.MarkInterrupted(ctx); n != 0 || err != nil {
		t.Errorf("MarkInterrupted with a live writer = %d, %v", n, err)
	}
}

func checkIntegrity(t *testing.T, db *sql.DB) {
	t.Helper()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check = %q, %v", res, err)
	}
}

func TestMarkInterruptedLeavesLiveRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sysmon.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r, _ := a.Start("live", nil, t0)
	r.Add(smp(0, f64(1), nil), mono(0))

	// A second sysmon (here a second Store; the lock is per open file, so
	// this is the same check another process makes) starts up.
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := b.MarkInterrupted(ctx); n != 0 || err != nil {
		t.Fatalf("MarkInterrupted = %d, %v; want the live run left alone", n, err)
	}
	if got, _ := b.Get(ctx, r.ID()); got.State != StateRunning {
		t.Fatalf("live run became %s", got.State)
	}
	if err := r.Finish(nil, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Get(ctx, r.ID()); got.State != StateDone {
		t.Fatalf("finished run is %s", got.State)
	}
}

func TestCorruptFileMovedAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sysmon.db")
	junk := make([]byte, 64<<10)
	rand.Read(junk)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path+"-wal", []byte("stale wal"), 0o600)
	_, err := Open(path)
	var ce *CorruptError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) {
		t.Fatalf("Open of random bytes: %v, want a *CorruptError", err)
	}
	t.Log(err)
	if !strings.Contains(err.Error(), ce.MovedTo) || !strings.HasPrefix(ce.MovedTo, path+".corrupt-") {
		t.Errorf("error %q does not say where the file went (%s)", err, ce.MovedTo)
	}
	if moved, err := os.ReadFile(ce.MovedTo); err != nil || !bytes.Equal(moved, junk) {
		t.Errorf("moved file differs from the original (%v)", err)
	}
	if wal, err := os.ReadFile(ce.MovedTo + "-wal"); err != nil || string(wal) != "stale wal" {
		t.Errorf("the -wal file did not move with it: %q, %v", wal, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("corrupt file still at %s: %v", path, err)
	}
	// Opening again starts a new, empty database.
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if list, err := st.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("fresh database: %v, %v", list, err)
	}
	// A second corruption the same second does not overwrite the first.
	st.Close()
	os.WriteFile(path, junk, 0o600)
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	_, err = Open(path)
	var ce2 *CorruptError
	if !errors.As(err, &ce2) || ce2.MovedTo == ce.MovedTo {
		t.Fatalf("second corruption: %v", err)
	}
	if _, err := os.Stat(ce.MovedTo); err != nil {
		t.Errorf("first moved file lost: %v", err)
	}
}

func TestTinyJunkFileMovedAside(t *testing.T) {
	// SQLite would take a file this short for an empty database and write
	// over it; it is moved aside instead.
	path := filepath.Join(t.TempDir(), "sysmon.db")
	os.WriteFile(path, []byte("x"), 0o600)
	_, err := Open(path)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("Open of a 1-byte file: %v, want a *CorruptError", err)
	}
	if data, _ := os.ReadFile(ce.MovedTo); string(data) != "x" {
		t.Errorf("moved file = %q", data)
	}
}

func TestCorruptPagesMovedAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sysmon.db")
	st, err := Open(path, WithFlushInterval(0))
	if err != nil {
		t.Fatal(err)
	}
	for k := range 20 {
		r, _ := st.Start(fmt.Sprintf("run %d", k), nil, t0)
		for i := range 50 {
			r.Add(smp(float64(i), f64(1), u64(gib)), mono(float64(i)))
		}
		r.Finish(nil, t0.Add(time.Minute))
	}
	// Checkpoint everything into the main file, then close.
	st.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	st.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 5*4096 {
		t.Fatalf("database only %d bytes", len(data))
	}
	// Keep the header (page 1) valid; scribble over pages 2 onwards.
	for i := 4096; i < len(data); i++ {
		data[i] = byte(i * 7)
	}
	os.WriteFile(path, data, 0o600)
	_, err = Open(path)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("Open of damaged pages: %v, want a *CorruptError", err)
	}
	t.Log(err)
}

func TestConcurrentStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sysmon.db")
	const stores, workers, runsEach, samples = 3, 3, 4, 40
	// Opened at the same time: they race to create the schema.
	sts := make([]*Store, stores)
	var wg sync.WaitGroup
	for i := range sts {
		wg.Go(func() {
			st, err := Open(path, WithFlushInterval(3*time.Second))
			if err != nil {
				t.Error(err)
				return
			}
			sts[i] = st
		})
	}
	wg.Wait()
	for _, st := range sts {
		if st == nil {
			t.FailNow()
		}
		defer st.Close()
	}
	errs := make(chan error, stores*workers*runsEach*samples)
	for si, st := range sts {
		for w := range workers {
			wg.Go(func() {
				for k := range runsEach {
					r, err := st.Start(fmt.Sprintf("s%d w%d r%d", si, w, k), []string{"x"}, t0)
					if err != nil {
						errs <- err
						return
					}
					for i := range samples {
						if err := r.Add(smp(float64(i), f64(float64(i)), nil), mono(float64(i))); err != nil {
							errs <- err
						}
					}
					if err := r.Finish(nil, t0.Add(time.Minute)); err != nil {
						errs <- err
					}
				}
			})
		}
		// Readers at the same time.
		wg.Go(func() {
			for range 20 {
				if _, err := st.List(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkAllRuns(t, sts[0], stores*workers*runsEach, samples)
}

// checkAllRuns verifies that want runs are stored, all done, each with
// samples samples and as many series rows.
func checkAllRuns(t *testing.T, st *Store, want, samples int) {
	t.Helper()
	list, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != want {
		t.Fatalf("%d runs stored, want %d", len(list), want)
	}
	labels := map[string]bool{}
	for _, r := range list {
		if labels[r.Label] {
			t.Errorf("label %q twice", r.Label)
		}
		labels[r.Label] = true
		pts, err := st.Series(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.State != StateDone || r.Samples != samples || len(pts) != samples {
			t.Errorf("run %d %q: state %s, %d samples, %d rows; want done, %d", r.ID, r.Label, r.State,
				r.Samples, len(pts), samples)
		}
		wantF(t, "cpu avg", r.CPUAvgPercent, float64(samples-1)/2)
	}
	checkIntegrity(t, st.db)
}

func TestExportCSV(t *testing.T) {
	st := openTemp(t)
	a, _ := st.Start(`q4, "fast"`, []string{"llama-cli", "-p", "hi, there", "2>&1"}, t0)
	tok := &fixedTokens{}
	a.ReadTokens(tok)
	for i := 0; i <= 10; i++ {
		d := dev(0)
		d.EnergyJoules, d.MemoryUsedBytes, d.UtilizationGPUPercent = f64(50*float64(i)), u64(3*gib), f64(90)
		tok.st = llm.Stats{PromptTokens: i64(20), GeneratedTokens: i64(int64(100 * i)), GenerationTokensPerSecond: f64(55.5)}
		a.Add(smp(float64(i), f64(25), u64(8*gib), d), mono(float64(i)))
	}
	code := 0
	a.Finish(&code, t0.Add(10*time.Second))
	b, _ := st.Start("running", nil, t0.Add(time.Hour))

	var buf bytes.Buffer
	if err := st.ExportCSV(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], ExportColumns) || len(recs) != 3 {
		t.Fatalf("export = %q", recs)
	}
	row := map[string]string{}
	for i, c := range ExportColumns {
		row[c] = recs[1][i]
	}
	want := map[string]string{
		"id": fmt.Sprint(a.ID()), "label": `q4, "fast"`, "command": `["llama-cli","-p","hi, there","2>&1"]`,
		"state": "done", "exit_code": "0", "start": "2026-03-14T15:09:26.000Z", "end": "2026-03-14T15:09:36.000Z",
		"duration_seconds": "10", "samples": "11", "cpu_avg_percent": "25", "cpu_peak_percent": "25",
		"ram_peak_bytes": fmt.Sprint(8 * gib), "vram_peak_bytes": fmt.Sprint(3 * gib), "gpu_util_avg_percent": "90",
		"energy_joules": "500", "energy_source": "counter", "prompt_tokens": "20", "generated_tokens": "1000",
		"tokens_per_second": "55.5", "joules_per_token": "0.5",
	}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("%s = %q, want %q", k, row[k], v)
		}
	}
	for _, k := range []string{"start", "end"} {
		if _, err := time.Parse(time.RFC3339, row[k]); err != nil {
			t.Errorf("%s is not RFC 3339: %v", k, err)
		}
	}
	// The running run: no end, no exit code, no aggregates -> empty cells.
	running := recs[2]
	for i, c := range ExportColumns {
		switch c {
		case "id", "label", "command", "state", "start", "duration_seconds", "samples":
			continue
		}
		if running[i] != "" {
			t.Errorf("running run %s = %q, want empty", c, running[i])
		}
	}
	if running[2] != "[]" || running[3] != "running" || running[8] != "0" {
		t.Errorf("running run = %q", running)
	}

	// Chosen ids, in the order given; unknown ids fail before writing.
	buf.Reset()
	if err := st.ExportCSV(ctx, &buf, b.ID(), a.ID()); err != nil {
		t.Fatal(err)
	}
	recs, _ = csv.NewReader(&buf).ReadAll()
	if len(recs) != 3 || recs[1][0] != fmt.Sprint(b.ID()) || recs[2][0] != fmt.Sprint(a.ID()) {
		t.Errorf("export of chosen ids = %q", recs)
	}
	buf.Reset()
	if err := st.ExportCSV(ctx, &buf, 999); !errors.Is(err, ErrNotFound) || buf.Len() != 0 {
		t.Errorf("export of an unknown id: %v, wrote %d bytes", err, buf.Len())
	}
	if err := st.ExportCSV(ctx, failWriter{}); err == nil {
		t.Error("export to a failing writer succeeded")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestDefaultPath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		goos string
		env  map[string]string
		home string
		want string
	}{
		{"linux", map[string]string{"XDG_DATA_HOME": "/data"}, "/home/u", filepath.Join("/data", "sysmon", "sysmon.db")},
		{"linux", map[string]string{"XDG_DATA_HOME": "relative"}, "/home/u", filepath.Join("/home/u", ".local", "share", "sysmon", "sysmon.db")},
		{"freebsd", nil, "/home/u", filepath.Join("/home/u", ".local", "share", "sysmon", "sysmon.db")},
		{"darwin", nil, "/Users/u", filepath.Join("/Users/u", "Library", "Application Support", "sysmon", "sysmon.db")},
		{"windows", map[string]string{"AppData": `C:\Users\u\AppData\Roaming`}, `C:\Users\u`, filepath.Join(`C:\Users\u\AppData\Roaming`, "sysmon", "sysmon.db")},
		{"windows", nil, `C:\Users\u`, ""},
		{"linux", nil, "", ""},
	} {
		got, err := defaultPath(c.goos, env(c.env), c.home)
		if got != c.want || (err != nil) != (c.want == "") {
			t.Errorf("defaultPath(%s, %v, %q) = %q, %v; want %q", c.goos, c.env, c.home, got, err, c.want)
		}
	}
	if p, err := DefaultPath(); err == nil && !filepath.IsAbs(p) {
		t.Errorf("DefaultPath() = %q, not absolute", p)
	}
}
