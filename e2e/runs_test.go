package e2e

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeLlama burns CPU for a few seconds, then prints llama.cpp's perf
// summary, as llama-cli does when it finishes.
const fakeLlama = `end=$(( $(date +%s) + 3 )); while [ $(date +%s) -lt $end ]; do :; done
echo "llama_perf_context_print: prompt eval time =     567.89 ms /    12 tokens (   47.32 ms per token,    21.13 tokens per second)"
echo "llama_perf_context_print:        eval time =    2345.67 ms /    99 runs   (   23.69 ms per token,    42.21 tokens per second)"
echo "llama_perf_context_print:       total time =    3456.78 ms /   111 tokens"`

// runsEnv is the environment of a sysmon whose runs database lives in home.
func runsEnv(t testing.TB, home string) []string {
	t.Helper()
	runtime := t.TempDir()
	os.Chmod(runtime, 0o700)
	return append(os.Environ(), "DISPLAY="+startXvfb(t), "XDG_RUNTIME_DIR="+runtime, "LANG=C.UTF-8",
		"HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"))
}

// exportRuns reads the runs back through the CLI, as CSV records by column.
func exportRuns(t testing.TB, home string) []map[string]string {
	t.Helper()
	cmd := exec.Command(binary(t), "runs", "export", "--csv")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("runs export: %v", err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil || len(recs) < 1 {
		t.Fatalf("export is not CSV: %v\n%s", err, out)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// TestRunIsRecorded: `sysmon run --label` stores the run with the tokens
// and speed the command printed and the CPU it burned.
func TestRunIsRecorded(t *testing.T) {
	need(t, "Xvfb", "xdpyinfo", "sh")
	home := t.TempDir()
	cmd, out, exited := startWith(t, runsEnv(t, home), "run", "--label", "test q4", "--", "sh", "-c", fakeLlama)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "run ended") {
		if time.Now().After(deadline) {
			t.Fatalf("the run did not finish:\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	terminate(t, cmd, exited, out)
	rows := exportRuns(t, home)
	if len(rows) != 1 {
		t.Fatalf("%d runs, want 1", len(rows))
	}
	r := rows[0]
	if r["label"] != "test q4" || r["state"] != "done" || r["exit_code"] != "0" || r["generated_tokens"] != "99" ||
		r["prompt_tokens"] != "12" || !strings.HasPrefix(r["tokens_per_second"], "42.2") {
		t.Errorf("run %v", r)
	}
	if cpu, err := strconv.ParseFloat(r["cpu_avg_percent"], 64); err != nil || cpu <= 0 {
		t.Errorf("cpu average %q, want above 0: the command burned CPU", r["cpu_avg_percent"])
	}
}

// TestKilledRunIsKeptInterrupted: kill -9 of sysmon in the middle of a run
// leaves the run, marked interrupted, and a database that still opens.
func TestKilledRunIsKeptInterrupted(t *testing.T) {
	need(t, "Xvfb", "xdpyinfo", "sleep")
	home := t.TempDir()
	// An odd duration, so cleanup can find the orphan sysmon leaves behind.
	cmd, out, exited := startWith(t, runsEnv(t, home), "run", "--label", "doomed", "--", "sleep", "61.25")
	t.Cleanup(func() { _ = exec.Command("pkill", "-f", "sleep 61.25").Run() })
	time.Sleep(5 * time.Second)
	if !strings.Contains(out.String(), "run started") {
		t.Fatalf("no run started:\n%s", out.String())
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
	rows := exportRuns(t, home)
	if len(rows) != 1 || rows[0]["label"] != "doomed" || rows[0]["state"] != "interrupted" {
		t.Fatalf("runs after kill -9: %v", rows)
	}
	if n, _ := strconv.Atoi(rows[0]["samples"]); n == 0 {
		t.Errorf("the interrupted run kept no samples: %v", rows[0])
	}
}

// TestRecordCSV: --record writes a header and one row per sample.
func TestRecordCSV(t *testing.T) {
	need(t, "Xvfb", "xdpyinfo")
	home := t.TempDir()
	path := filepath.Join(home, "samples.csv")
	cmd, out, exited := startWith(t, runsEnv(t, home), "--interval", "250ms", "--record", path)
	time.Sleep(3 * time.Second)
	terminate(t, cmd, exited, out)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 5 || recs[0][0] != "timestamp" || recs[0][2] != "cpu_percent" {
		t.Fatalf("%d records, header %v", len(recs), recs[0])
	}
	if _, err := time.Parse(time.RFC3339, recs[1][0]); err != nil {
		t.Errorf("timestamp %q: %v", recs[1][0], err)
	}
	// A second start refuses to overwrite the recording.
	again := exec.Command(binary(t), "--record", path)
	again.Env = runsEnv(t, home)
	if msg, err := again.CombinedOutput(); err == nil || !strings.Contains(string(msg), "exists") {
		t.Errorf("overwrote a recording: %v %s", err, msg)
	}
}
