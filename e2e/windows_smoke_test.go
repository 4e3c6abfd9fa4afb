package e2e

// The Windows smoke test runs sysmon.exe under Wine on Linux: `sysmon
// snapshot --json` with a fake NVIDIA driver (testdata/fakenvml built as
// nvml.dll into the prefix's system32), the window under Xvfb, and the gpu
// package's Windows tests. make windows-smoke installs mingw-w64 and Wine,
// builds dist/sysmon.exe and runs
//
//	SYSMON_WINDOWS_SMOKE=1 SYSMON_EXE=dist/sysmon.exe go test -count=1 -v -run TestWindows ./e2e/
//
// CI runs it only when Windows-related files changed (see .ci/run).

import (
	"encoding/json"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Fake NVML values the smoke test checks (see testdata/fakenvml).
const (
	fakeMemoryTotal = 24 * gib
	// fakeWinPID is FAKENVML_PID for the gpu package's tests under Wine:
	// the fake lists it with 2 GiB beside PID 79, whose memory is unknown.
	fakeWinPID = "4242"
)

// wine is a prepared Wine prefix with the fake nvml.dll and the ProcessPrng
// shim in system32.
type wine struct {
	prefix string
	env    []string // for sysmon.exe: prefix, quiet logs, the shim selected
}

func needWindowsSmoke(t *testing.T) {
	t.Helper()
	if os.Getenv("SYSMON_WINDOWS_SMOKE") != "1" {
		t.Skip("Windows smoke test under Wine: run make windows-smoke (needs mingw-w64 and Wine; CI runs it when Windows files change)")
	}
	for _, tool := range []string{"wine", "wineboot", "wineserver", "x86_64-w64-mingw32-gcc", "go", "Xvfb", "import", "xdpyinfo", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (make windows-smoke installs it)", tool)
		}
	}
}

// sysmonExe is the sysmon.exe under test: SYSMON_EXE or ../dist/sysmon.exe.
func sysmonExe(t *testing.T) string {
	t.Helper()
	exe := os.Getenv("SYSMON_EXE")
	if exe == "" {
		exe = "../dist/sysmon.exe"
	}
	abs, err := filepath.Abs(exe)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("no sysmon.exe at %s: run make windows first", abs)
	}
	return abs
}

// mingw builds one DLL from C sources with the mingw-w64 cross compiler.
func mingw(t *testing.T, out string, args ...string) {
	t.Helper()
	cmd := exec.Command("x86_64-w64-mingw32-gcc", append([]string{"-shared", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", filepath.Base(out), err, b)
	}
}

// newWine creates a Wine prefix in a temporary directory and puts the fake
// nvml.dll and bcryptprimitives.dll (ProcessPrng, which Go needs and Wine 8
// lacks) into its system32.
func newWine(t *testing.T) *wine {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/NVIDIA/go-nvml").Output()
	if err != nil {
		t.Fatalf("go list go-nvml: %v", err)
	}
	include := filepath.Join(strings.TrimSpace(string(out)), "pkg", "nvml")

	w := &wine{prefix: filepath.Join(t.TempDir(), "prefix")}
	base := append(os.Environ(), "WINEPREFIX="+w.prefix, "WINEDEBUG=-all", "WINEARCH=win64")
	// No Mono or Gecko download prompts: sysmon needs neither.
	boot := exec.Command("wineboot", "-i")
	boot.Env = append(base, "WINEDLLOVERRIDES=mscoree,mshtml=")
	if b, err := boot.CombinedOutput(); err != nil {
		t.Fatalf("wineboot: %v\n%s", err, b)
	}
	// wineboot returns before the prefix is written out; wineserver -w
	// waits for that (the server exits once nothing runs).
	wait := exec.Command("wineserver", "-w")
	wait.Env = base
	if b, err := wait.CombinedOutput(); err != nil {
		t.Fatalf("wineserver -w: %v\n%s", err, b)
	}
	t.Cleanup(func() {
		kill := exec.Command("wineserver", "-k")
		kill.Env = base
		_ = kill.Run()
	})

	system32 := filepath.Join(w.prefix, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(system32, "kernel32.dll")); err != nil {
		t.Fatalf("the Wine prefix has no system32: %v", err)
	}
	mingw(t, filepath.Join(system32, "nvml.dll"), "-DNVML_LIB_EXPORT", "-I", include, filepath.Join("testdata", "fakenvml", "fakenvml.c"))
	mingw(t, filepath.Join(system32, "bcryptprimitives.dll"), filepath.Join("testdata", "processprng", "bcryptprimitives.c"), "-ladvapi32")
	w.env = append(base, "WINEDLLOVERRIDES=bcryptprimitives=n;mscoree,mshtml=")
	return w
}

// run runs a Windows program to completion under Wine.
func (w *wine) run(t *testing.T, timeout time.Duration, env []string, exe string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command("wine", append([]string{exe}, args...)...)
	cmd.Env = append(append([]string{}, w.env...), env...)
	var o, e syncBuffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("wine %s %s did not finish within %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(exe), strings.Join(args, " "), timeout, o.String(), e.String())
	}
	return o.String(), e.String(), err
}

func TestWindowsSmoke(t *testing.T) {
	needWindowsSmoke(t)
	exe := sysmonExe(t)
	w := newWine(t)

	t.Run("snapshot", func(t *testing.T) {
		stdout, stderr, err := w.run(t, 2*time.Minute, nil, exe, "snapshot", "--json", "--interval", "1s")
		if err != nil {
			t.Fatalf("sysmon.exe snapshot --json: %v\nstderr:\n%s", err, stderr)
		}
		var s struct {
			CPU struct {
				TotalPercent *float64 `json:"total_percent"`
				LogicalCores int      `json:"logical_cores"`
			} `json:"cpu"`
			Memory struct {
				TotalBytes uint64 `json:"total_bytes"`
				UsedBytes  uint64 `json:"used_bytes"`
			} `json:"memory"`
			GPU struct {
				Present       bool   `json:"present"`
				Reason        string `json:"reason"`
				DriverVersion string `json:"driver_version"`
				DeviceCount   int    `json:"device_count"`
				Devices       []struct {
					Name             string  `json:"name"`
					Lost             bool    `json:"lost"`
					MemoryTotalBytes *uint64 `json:"memory_total_bytes"`
					Processes        []struct {
						PID             uint32          `json:"pid"`
						Type            string          `json:"type"`
						MemoryUsedBytes json.RawMessage `json:"memory_used_bytes"`
					} `json:"processes"`
				} `json:"devices"`
			} `json:"gpu"`
		}
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatalf("not JSON: %v\n%s\nstderr:\n%s", err, stdout, stderr)
		}
		if s.CPU.LogicalCores < 1 || s.CPU.TotalPercent == nil || *s.CPU.TotalPercent < 0 || *s.CPU.TotalPercent > 100 {
			t.Errorf("cpu: %d cores, total %v; want cores and a percentage", s.CPU.LogicalCores, s.CPU.TotalPercent)
		}
		if s.Memory.TotalBytes == 0 || s.Memory.UsedBytes == 0 || s.Memory.UsedBytes > s.Memory.TotalBytes {
			t.Errorf("memory: used %d of %d bytes", s.Memory.UsedBytes, s.Memory.TotalBytes)
		}
		g := s.GPU
		if !g.Present || g.DeviceCount != 2 || len(g.Devices) != 2 || g.DriverVersion != "550.54.15" {
			t.Fatalf("gpu: present %v (%q), %d devices, driver %q; want the fake nvml.dll's two\n%s",
				g.Present, g.Reason, len(g.Devices), g.DriverVersion, stdout)
		}
		d := g.Devices[0]
		if d.Name != fakeGPUName || d.MemoryTotalBytes == nil || *d.MemoryTotalBytes != fakeMemoryTotal {
			t.Errorf("device 0: %q with %v bytes, want %q with %d", d.Name, d.MemoryTotalBytes, fakeGPUName, uint64(fakeMemoryTotal))
		}
		// Without FAKENVML_PID the fake lists only PID 79, whose memory it
		// reports as NVML_VALUE_NOT_AVAILABLE, as WDDM drivers always do:
		// the field must be absent, not 0 or 16 EiB.
		if len(d.Processes) != 1 || d.Processes[0].PID != fakeNoMemPID || d.Processes[0].Type != "compute" || d.Processes[0].MemoryUsedBytes != nil {
			t.Errorf("device 0 processes: %+v, want PID %d, compute, no memory_used_bytes", d.Processes, fakeNoMemPID)
		}
		if !g.Devices[1].Lost {
			t.Errorf("device 1 not lost: %+v", g.Devices[1])
		}
	})

	t.Run("window", func(t *testing.T) {
		display := startXvfb(t)
		cmd := exec.Command("wine", exe)
		cmd.Env = append(append([]string{}, w.env...), "DISPLAY="+display, "LANG=C.UTF-8")
		var logs syncBuffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() {
			kill := exec.Command("wineserver", "-k")
			kill.Env = w.env
			_ = kill.Run()
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
			}
		})
		select {
		case err := <-exited:
			t.Fatalf("sysmon.exe exited early: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Second):
		}
		// Wine gives the X window the Windows title: sysmon's own window,
		// not a Wine error dialog, is what is on the screen.
		search := exec.Command("xdotool", "search", "--name", "^sysmon$")
		search.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := search.CombinedOutput(); err != nil || len(strings.Fields(string(out))) == 0 {
			t.Errorf("no window titled sysmon: %v %s\n%s", err, out, logs.String())
		}
		shot := filepath.Join(t.TempDir(), "window.png")
		if out, err := exec.Command("import", "-display", display, "-window", "root", shot).CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v: %s", err, out)
		}
		if dir := os.Getenv("SYSMON_SCREENSHOT_DIR"); dir != "" {
			copyFile(t, shot, filepath.Join(dir, "window-wine.png"))
		}
		if n := coloursIn(t, shot, image.Rect(0, 0, 1280, 800)); n < 40 {
			t.Errorf("screen has %d distinct colours: the window was not drawn\n%s", n, logs.String())
		}
	})

	t.Run("gpu package", func(t *testing.T) {
		test := filepath.Join(t.TempDir(), "gpu.test.exe")
		build := exec.Command("go", "test", "-c", "-o", test, "sysmon/gpu")
		build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if b, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building the gpu tests for Windows: %v\n%s", err, b)
		}
		stdout, stderr, err := w.run(t, 2*time.Minute, []string{"SYSMON_FAKE_NVML=1", "FAKENVML_PID=" + fakeWinPID}, test, "-test.v", "-test.count=1")
		if err != nil {
			t.Fatalf("gpu tests under Wine: %v\n%s\n%s", err, stdout, stderr)
		}
		// These need the fake nvml.dll; a skip would mean they did not run.
		for _, name := range []string{"TestFakeDLL", "TestMissingFunctions", "TestProcessesV1"} {
			if !strings.Contains(stdout, "--- PASS: "+name+" ") {
				t.Errorf("%s did not pass:\n%s", name, stdout)
			}
		}
	})
}
