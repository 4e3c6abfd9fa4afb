package runs

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestMigrateVersion1 opens a file written by a sysmon that knew only
// schema version 1: its runs stay, and the jobs table appears.
func TestMigrateVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sysmon.db")
	old, err := sql.Open("sqlite", dsn(path, config{busyTimeout: defaultBusyTimeout}))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range append(migrations[0],
		"PRAGMA journal_mode = WAL",
		"PRAGMA user_version = 1",
		`INSERT INTO runs (label, command, state, started_ms, ended_ms, lock_token)
			VALUES ('old run', '["llama-cli"]', 'done', 1000, 2000, 'tok')`) {
		if _, err := old.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	old.Close()

	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var v int
	if err := st.DB().QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != 2 {
		t.Fatalf("user_version after migration = %d, %v; want 2", v, err)
	}
	r, err := st.Get(ctx, 1)
	if err != nil || r.Label != "old run" {
		t.Fatalf("run kept through the migration = %+v, %v", r, err)
	}
	insert := `INSERT INTO jobs (name, argv, dir, start_when, on_return, on_interrupt, position, state, created_ms, run_id)
		VALUES ('bench', '["llama-bench"]', '/tmp', 'idle', 'pause', 'requeue', 1, ?, 3000, ?)`
	if _, err := st.DB().Exec(insert, "queued", 1); err != nil {
		t.Fatalf("insert a job: %v", err)
	}
	if _, err := st.DB().Exec(insert, "sleeping", nil); err == nil {
		t.Error("a job in an unknown state was accepted")
	}
	if _, err := st.DB().Exec(insert, "queued", 99); err == nil {
		t.Error("a job pointing at a missing run was accepted")
	}
	if _, err := st.DB().Exec("DELETE FROM runs WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	var runID sql.NullInt64
	if err := st.DB().QueryRow("SELECT run_id FROM jobs").Scan(&runID); err != nil || runID.Valid {
		t.Errorf("job's run_id after its run was deleted = %v, %v; want NULL", runID, err)
	}
}
