package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ticker is a job that writes a growing count to the file tick in its
// working folder five times a second: the count moves only while the job
// really runs.
const ticker = `i=0; while :; do i=$((i+1)); echo $i > tick; sleep 0.2; done`

// tickers returns the ticker script marked as t's, and ends t's tickers when
// t ends: the jobs outlive a killed sysmon, and another test's must live on.
func tickers(t *testing.T) string {
	mark := fmt.Sprintf("sysmon-e2e-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-"))
	t.Cleanup(func() { _ = exec.Command("pkill", "-f", mark).Run() })
	return ": " + mark + "; " + ticker
}

// queue runs `sysmon queue ARGS` against home's database.
func queue(t testing.TB, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"queue"}, args...)...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("queue %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// jobState is the STATE column of job id in `sysmon queue list`.
func jobState(t testing.TB, env []string, id int) string {
	t.Helper()
	for _, line := range strings.Split(queue(t, env, "list"), "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[0] == strconv.Itoa(id) {
			return f[2]
		}
	}
	t.Fatalf("job %d is not listed", id)
	return ""
}

// waitState waits up to d for job id to reach state.
func waitState(t testing.TB, env []string, id int, state string, d time.Duration, logs fmt.Stringer) {
	t.Helper()
	got := ""
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = jobState(t, env, id); got == state {
			return
		}
	}
	t.Fatalf("job %d is %s after %s, want %s\n%s\n%s", id, got, d, state, queue(t, env, "list"), logs)
}

// ticks reads a ticker job's count (0 before its first write).
func ticks(t testing.TB, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "tick"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// moving reports whether a ticker job's count grows over a second.
func moving(t testing.TB, dir string) bool {
	t.Helper()
	a := ticks(t, dir)
	time.Sleep(1200 * time.Millisecond)
	return ticks(t, dir) > a
}

// TestIdleJobFollowsTheUser: a job queued to run while the user is away
// waits while the mouse moves, starts once input stops, is paused (its
// process group stopped) when input returns, and continues when the user
// leaves again; sysmon daemon schedules it, and idle time comes from the
// real X server.
func TestIdleJobFollowsTheUser(t *testing.T) {
	need(t, "Xvfb", "xdpyinfo", "xdotool")
	home, work := t.TempDir(), t.TempDir()
	env := runsEnv(t, home)
	display := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "DISPLAY="); ok {
			display = v
		}
	}
	user := func(stop <-chan struct{}) {
		for i := 0; ; i++ {
			cmd := exec.Command("xdotool", "mousemove", strconv.Itoa(300+i%2*50), "300")
			cmd.Env = env
			_ = cmd.Run()
			select {
			case <-stop:
				return
			case <-time.After(300 * time.Millisecond):
			}
		}
	}
	busy := make(chan struct{})
	go user(busy)

	// The job's own --idle-for stands in for a short AFK threshold.
	queue(t, env, "add", "--name", "ticker", "--idle-for", "2s", "--dir", work, "--shell", "--", tickers(t))
	cmd, out, exited := startWith(t, env, "daemon", "--interval", "250ms")

	time.Sleep(4 * time.Second)
	if st := jobState(t, env, 1); st != "waiting" || ticks(t, work) != 0 {
		t.Fatalf("job is %s with %d ticks while the user is at the machine (display %s)\n%s", st, ticks(t, work), display, out)
	}
	close(busy)
	waitState(t, env, 1, "running", 8*time.Second, out)
	if !moving(t, work) {
		t.Fatalf("running job does not tick\n%s", out)
	}

	back := make(chan struct{})
	go user(back)
	waitState(t, env, 1, "paused", 5*time.Second, out)
	time.Sleep(300 * time.Millisecond) // a tick in flight when SIGSTOP came
	if moving(t, work) {
		t.Errorf("paused job still ticks")
	}
	close(back)
	waitState(t, env, 1, "running", 8*time.Second, out)
	if !moving(t, work) {
		t.Errorf("continued job does not tick")
	}
	terminate(t, cmd, exited, out)
	// The default interrupt policy puts a job stopped with sysmon back in
	// the queue, and its process is gone.
	if st := jobState(t, env, 1); st != "queued" {
		t.Errorf("after the daemon stopped the job is %s, want queued", st)
	}
	if moving(t, work) {
		t.Errorf("job still ticks after the daemon stopped")
	}
}

// TestKilledDaemonKeepsTheQueue: kill -9 of the daemon with two jobs
// running; the next start ends their leftover processes and applies each
// job's interrupt policy (run again, or end as interrupted), and the queue
// keeps every job.
func TestKilledDaemonKeepsTheQueue(t *testing.T) {
	need(t, "Xvfb", "xdpyinfo")
	home, again, fail := t.TempDir(), t.TempDir(), t.TempDir()
	env := runsEnv(t, home)
	script := tickers(t)
	queue(t, env, "add", "--name", "again", "--when", "now", "--dir", again, "--shell", "--", script)
	queue(t, env, "add", "--name", "once", "--when", "now", "--on-interrupt", "fail", "--dir", fail, "--shell", "--", script)
	queue(t, env, "add", "--name", "later", "--dir", home, "--", "true")

	cmd, out, exited := startWith(t, env, "daemon", "--interval", "250ms", "--jobs", "2")
	waitState(t, env, 1, "running", 8*time.Second, out)
	waitState(t, env, 2, "running", 8*time.Second, out)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	if !moving(t, fail) {
		t.Fatalf("the jobs should outlive a kill -9 of sysmon until it starts again")
	}

	cmd, out, exited = startWith(t, env, "daemon", "--interval", "250ms", "--jobs", "2")
	waitState(t, env, 2, "interrupted", 8*time.Second, out)
	if moving(t, fail) {
		t.Errorf("the interrupted job's old process still runs")
	}
	waitState(t, env, 1, "running", 8*time.Second, out)
	list := queue(t, env, "list")
	if !strings.Contains(list, "attempt 2") {
		t.Errorf("the requeued job did not start again:\n%s", list)
	}
	if st := jobState(t, env, 3); st != "waiting" && st != "queued" {
		t.Errorf("the job that never started is %s, want it still pending", st)
	}
	terminate(t, cmd, exited, out)
}
