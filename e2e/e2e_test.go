// Package e2e runs the real sysmon binary: its CLI verbs, and its window
// under a real X server (Xvfb). Build it first (make build); SYSMON_BIN
// overrides the path.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func binary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("SYSMON_BIN")
	if bin == "" {
		bin = "../sysmon"
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("no sysmon binary at %s: run make build first", abs)
	}
	return abs
}

// need skips a test whose tool is missing on a developer machine, but fails
// it in CI, where the setup script must have installed it.
func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

func TestSnapshotJSON(t *testing.T) {
	out, err := exec.Command(binary(t), "snapshot", "--json", "--interval", "500ms").Output()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var s struct {
		IntervalSeconds float64 `json:"interval_seconds"`
		Host            struct {
			Hostname string `json:"hostname"`
		} `json:"host"`
		CPU struct {
			TotalPercent   *float64   `json:"total_percent"`
			PerCorePercent []*float64 `json:"per_core_percent"`
			LogicalCores   int        `json:"logical_cores"`
		} `json:"cpu"`
		Memory struct {
			TotalBytes uint64 `json:"total_bytes"`
			UsedBytes  uint64 `json:"used_bytes"`
		} `json:"memory"`
		Filesystems []struct {
			Mountpoint string `json:"mountpoint"`
		} `json:"filesystems"`
		GPU struct {
			Present bool   `json:"present"`
			Reason  string `json:"reason"`
		} `json:"gpu"`
	}
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if s.IntervalSeconds < 0.4 || s.IntervalSeconds > 2 {
		t.Errorf("interval_seconds = %v, want about 0.5", s.IntervalSeconds)
	}
	if s.CPU.TotalPercent == nil || *s.CPU.TotalPercent < 0 || *s.CPU.TotalPercent > 100 {
		t.Errorf("cpu total_percent = %v", s.CPU.TotalPercent)
	}
	if s.CPU.LogicalCores == 0 || len(s.CPU.PerCorePercent) != s.CPU.LogicalCores {
		t.Errorf("per-core values %d for %d cores", len(s.CPU.PerCorePercent), s.CPU.LogicalCores)
	}
	if s.Memory.TotalBytes == 0 || s.Memory.UsedBytes == 0 || s.Memory.UsedBytes > s.Memory.TotalBytes {
		t.Errorf("memory %+v", s.Memory)
	}
	if s.Host.Hostname == "" {
		t.Error("no host name")
	}
	if len(s.Filesystems) == 0 {
		t.Error("no filesystems")
	}
	if _, err := os.Stat("/dev/nvidiactl"); err != nil {
		// This machine has no NVIDIA driver: the reason must say so.
		if s.GPU.Present || !strings.Contains(s.GPU.Reason, "libnvidia-ml") {
			t.Errorf("gpu = %+v, want absent with the missing library named", s.GPU)
		}
	}
}

func TestCLI(t *testing.T) {
	bin := binary(t)
	home := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "sysmon snapshot"},
		{[]string{"snapshot", "--help"}, 0, "--json"},
		{[]string{"version"}, 0, "sysmon "},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"snapshot", "--interval", "10ms"}, 2, "out of range"},
		{[]string{"snapshot", "--interval", "soon"}, 2, "invalid value"},
		{[]string{"daemon", "--metrics-addr", "x:y"}, 2, "metrics address"},
		{[]string{"daemon", "--metrics-addr", "127.0.0.1:99999"}, 2, "metrics address"},
		{[]string{"queue", "add", "--", "touch", "file\xe9.txt"}, 2, "not valid UTF-8"},
		// DISPLAY names an X server that is not there: a message, no panic.
		{[]string{"run", "--", "echo", "never"}, 1, "cannot open the X display"},
	}
	for _, c := range cases {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"),
			"DISPLAY=:239", "WAYLAND_DISPLAY=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code || !strings.Contains(out.String(), c.want) || strings.Contains(out.String(), "panic") {
			t.Errorf("sysmon %v: exit %d, output %q; want exit %d containing %q", c.args, code, out.String(), c.code, c.want)
		}
	}
}

// TestWindow starts the real app on Xvfb: the window must be drawn (many
// colours: charts, text, the theme), the process must still be alive after
// 10 s, and SIGTERM must end it with exit code 0.
func TestWindow(t *testing.T) {
	need(t, "Xvfb", "import", "xdpyinfo")
	display := startXvfb(t)
	runtime := t.TempDir()
	if err := os.Chmod(runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_RUNTIME_DIR="+runtime, "LANG=C.UTF-8",
		"HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	select {
	case err := <-exited:
		t.Fatalf("sysmon exited early: %v\n%s", err, logs.String())
	case <-time.After(10 * time.Second):
	}

	shot := filepath.Join(t.TempDir(), "window.png")
	if out, err := exec.Command("import", "-display", display, "-window", "root", shot).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v: %s", err, out)
	}
	if dir := os.Getenv("SYSMON_SCREENSHOT_DIR"); dir != "" {
		copyFile(t, shot, filepath.Join(dir, "window.png"))
	}
	if n := coloursIn(t, shot, image.Rect(0, 0, 1100, 720)); n < 40 {
		t.Errorf("window area has %d distinct colours: not drawn", n)
	}

	terminate(t, cmd, exited, &logs)
}

// terminate sends sysmon SIGTERM and expects a clean exit within 10 s.
func terminate(t testing.TB, cmd *exec.Cmd, exited <-chan error, logs fmt.Stringer) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("sysmon did not exit within 10 s of SIGTERM\n%s", logs.String())
	}
}

// startXvfb runs an X server on a display it picks itself (-displayfd), so
// parallel runs and stale lock files never collide, and stops it with
// SIGTERM so it removes its lock file and socket.
func startXvfb(t testing.TB) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		_ = x.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = x.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = x.Process.Kill()
		}
	})
	num := make([]byte, 16)
	n, err := r.Read(num)
	if err != nil {
		t.Fatalf("Xvfb did not report its display: %v", err)
	}
	display := ":" + strings.TrimSpace(string(num[:n]))
	for range 100 {
		if exec.Command("xdpyinfo", "-display", display).Run() == nil {
			return display
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("Xvfb %s did not come up", display)
	return ""
}

func coloursIn(t testing.TB, path string, r image.Rectangle) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint32]bool{}
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[(cr>>8)<<16|(cg>>8)<<8|cb>>8] = true
		}
	}
	return len(seen)
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAFKOnX11 reads the user's idle time through the real binary: it grows
// while nothing happens and drops to under a second after xdotool input.
func TestAFKOnX11(t *testing.T) {
	need(t, "Xvfb", "xdpyinfo", "xdotool")
	display := startXvfb(t)
	type status struct {
		Idle struct {
			State       string   `json:"state"`
			IdleSeconds *float64 `json:"idle_seconds"`
			Backend     string   `json:"backend"`
		} `json:"idle"`
	}
	read := func() status {
		t.Helper()
		cmd := exec.Command(binary(t), "snapshot", "--json", "--interval", "250ms")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		var s status
		if err := json.Unmarshal(out, &s); err != nil {
			t.Fatal(err)
		}
		if s.Idle.Backend != "x11" || s.Idle.IdleSeconds == nil {
			t.Fatalf("idle = %+v, want the x11 backend with a value", s.Idle)
		}
		return s
	}
	time.Sleep(2 * time.Second)
	if s := read(); *s.Idle.IdleSeconds < 1.5 {
		t.Errorf("idle %.2f s after 2 s without input", *s.Idle.IdleSeconds)
	}
	for _, input := range [][]string{{"mousemove", "400", "300"}, {"key", "shift"}} {
		time.Sleep(1500 * time.Millisecond)
		cmd := exec.Command("xdotool", input...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v %s", input, err, out)
		}
		if s := read(); *s.Idle.IdleSeconds > 1 || s.Idle.State != "active" {
			t.Errorf("after xdotool %s: %+v idle %.2f s, want active under 1 s", input[0], s.Idle, *s.Idle.IdleSeconds)
		}
	}
}

// startApp runs sysmon with args on its own Xvfb and returns a function that
// sends SIGTERM and gives the exit code and everything sysmon printed.
func startApp(t testing.TB, args ...string) (stop func() (int, string)) {
	t.Helper()
	need(t, "Xvfb", "xdpyinfo")
	display := startXvfb(t)
	runtime := t.TempDir()
	if err := os.Chmod(runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), args...)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_RUNTIME_DIR="+runtime, "LANG=C.UTF-8", "HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return func() (int, string) {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if ee, ok := err.(*exec.ExitError); ok {
				return ee.ExitCode(), out.String()
			} else if err != nil {
				t.Fatal(err)
			}
			return 0, out.String()
		case <-time.After(10 * time.Second):
			t.Fatalf("no exit 10 s after SIGTERM\n%s", out.String())
			return 0, ""
		}
	}
}

// TestRunMirrorsChild: the child's output still reaches the terminal, and
// sysmon ends with the child's exit code.
func TestRunMirrorsChild(t *testing.T) {
	stop := startApp(t, "run", "--", "sh", "-c", "echo out-line; echo err-line >&2; exit 3")
	time.Sleep(4 * time.Second)
	code, out := stop()
	if code != 3 {
		t.Errorf("exit %d, want the child's 3\n%s", code, out)
	}
	for _, want := range []string{"out-line", "err-line", "exited"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunMissingExecutable(t *testing.T) {
	stop := startApp(t, "run", "--", "sysmon-no-such-program")
	time.Sleep(3 * time.Second)
	code, out := stop()
	if code != 127 || !strings.Contains(out, "sysmon-no-such-program: executable file not found") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

// syncBuffer is a bytes.Buffer safe for the two writers of a command.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestMetricsEndpoint scrapes the window's Prometheus endpoint.
func TestMetricsEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	stop := startApp(t, "--metrics-addr", addr)
	var body string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			if strings.Contains(body, "sysmon_cpu_busy_ratio ") {
				break
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	for _, want := range []string{"sysmon_cpu_busy_ratio ", "sysmon_memory_used_bytes ", `sysmon_gpu_present{reason="no NVIDIA driver/library installed`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code, out := stop(); code != 0 {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// startWith starts sysmon with env and args; the channel gets its exit.
func startWith(t testing.TB, env []string, args ...string) (*exec.Cmd, *syncBuffer, chan error) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr, cmd.Env = out, out, env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, out, exited
}

// TestDaemonServesMetrics: `sysmon daemon` samples with no window, serves
// Prometheus metrics and ends cleanly on SIGTERM.
func TestDaemonServesMetrics(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := append(os.Environ(), "HOME="+t.TempDir())
	cmd, out, exited := startWith(t, env, "daemon", "--interval", "250ms", "--metrics-addr", addr)
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if body = string(b); strings.Contains(body, "sysmon_cpu_busy_ratio ") {
				break
			}
		}
	}
	if !strings.Contains(body, "sysmon_cpu_busy_ratio ") || !strings.Contains(body, "sysmon_memory_used_bytes ") {
		t.Errorf("daemon metrics lack CPU or memory:\n%.500s\n%s", body, out.String())
	}
	// The daemon runs the job queue and counts it (empty here).
	for _, want := range []string{"sysmon_jobs_scheduler 1", `sysmon_jobs{state="queued"} 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("daemon metrics lack %q", want)
		}
	}
	terminate(t, cmd, exited, out)
}

// TestWindowNeverLaunchesABus: in a session without a D-Bus session bus the
// window starts no bus of its own (Fyne's godbus calls would run
// dbus-launch, whose bus outlives sysmon), and still runs.
func TestWindowNeverLaunchesABus(t *testing.T) {
	need(t, "Xvfb", "xdpyinfo")
	fake := t.TempDir()
	script := "#!/bin/sh\ntouch " + fake + "/launched\nexit 1\n"
	if err := os.WriteFile(filepath.Join(fake, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	runtime := t.TempDir()
	os.Chmod(runtime, 0o700)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	env = append(env, "PATH="+fake+":"+os.Getenv("PATH"), "DISPLAY="+startXvfb(t), "XDG_RUNTIME_DIR="+runtime,
		"LANG=C.UTF-8", "HOME="+t.TempDir())
	cmd, out, exited := startWith(t, env)
	time.Sleep(5 * time.Second)
	terminate(t, cmd, exited, out)
	if _, err := os.Stat(filepath.Join(fake, "launched")); err == nil {
		t.Errorf("sysmon ran dbus-launch\n%s", out.String())
	}
}
