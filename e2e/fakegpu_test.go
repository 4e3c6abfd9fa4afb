package e2e

// These tests run sysmon's real NVML path (go-nvml's dlopen, symbol lookups
// and cgo calls) on machines without an NVIDIA GPU: testdata/fakenvml is a
// libnvidia-ml.so.1 written in C against go-nvml's own nvml.h, built here
// with gcc and put first on LD_LIBRARY_PATH. It serves two devices: an
// RTX 4090 with moving values and two compute processes, and a device that
// answers every query with NVML_ERROR_GPU_IS_LOST.

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	fakeGPUName = "NVIDIA GeForce RTX 4090"
	gib         = 1 << 30
	// fakeNoMemPID is listed by the fake library with usedGpuMemory =
	// NVML_VALUE_NOT_AVAILABLE.
	fakeNoMemPID = 79
)

// fakeNVML builds the fake library into a temporary directory and returns
// the environment that makes sysmon load it: LD_LIBRARY_PATH, and
// FAKENVML_PID naming a running `sleep`, which the library reports as a
// compute process with 2 GiB. It also returns that PID.
func fakeNVML(t testing.TB) (env []string, sleepPID int) {
	t.Helper()
	need(t, "gcc", "go", "sleep")
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/NVIDIA/go-nvml").Output()
	if err != nil {
		t.Fatalf("go list go-nvml: %v", err)
	}
	include := filepath.Join(strings.TrimSpace(string(out)), "pkg", "nvml")
	if _, err := os.Stat(filepath.Join(include, "nvml.h")); err != nil {
		t.Fatalf("go-nvml's nvml.h: %v (run go mod download)", err)
	}
	dir := t.TempDir()
	cmd := exec.Command("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror",
		"-fvisibility=hidden", "-I", include,
		"-o", filepath.Join(dir, "libnvidia-ml.so.1"), filepath.Join("testdata", "fakenvml", "fakenvml.c"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the fake libnvidia-ml: %v\n%s", err, out)
	}

	sleep := exec.Command("sleep", "600")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleep.Process.Kill(); _ = sleep.Wait() })

	ldPath := dir
	if old := os.Getenv("LD_LIBRARY_PATH"); old != "" {
		ldPath += ":" + old
	}
	return []string{"LD_LIBRARY_PATH=" + ldPath, "FAKENVML_PID=" + strconv.Itoa(sleep.Process.Pid)}, sleep.Process.Pid
}

// runSysmon runs the binary to completion and returns stdout, stderr and the
// exit code.
func runSysmon(t testing.TB, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

func TestFakeGPUSnapshot(t *testing.T) {
	env, sleepPID := fakeNVML(t)

	stdout, stderr, code := runSysmon(t, env, "snapshot", "--json", "--interval", "500ms")
	if code != 0 {
		t.Fatalf("snapshot --json: exit %d\nstderr:\n%s", code, stderr)
	}
	type device struct {
		Index            int                          `json:"index"`
		Name             string                       `json:"name"`
		UUID             string                       `json:"uuid"`
		PCIBusID         string                       `json:"pci_bus_id"`
		Lost             bool                         `json:"lost"`
		Error            string                       `json:"error"`
		MemoryTotalBytes *uint64                      `json:"memory_total_bytes"`
		MemoryUsedBytes  *uint64                      `json:"memory_used_bytes"`
		MemoryFreeBytes  *uint64                      `json:"memory_free_bytes"`
		UtilGPU          *float64                     `json:"utilization_gpu_percent"`
		UtilMemory       *float64                     `json:"utilization_memory_percent"`
		Temperature      *float64                     `json:"temperature_celsius"`
		Power            *float64                     `json:"power_watts"`
		PowerLimit       *float64                     `json:"power_limit_watts"`
		Energy           *float64                     `json:"energy_joules"`
		Fan              *float64                     `json:"fan_percent"`
		SMClock          *uint32                      `json:"sm_clock_mhz"`
		MemoryClock      *uint32                      `json:"memory_clock_mhz"`
		Throttle         []string                     `json:"throttle_reasons"`
		PCIeGen          *int                         `json:"pcie_link_gen"`
		PCIeWidth        *int                         `json:"pcie_link_width"`
		Processes        []map[string]json.RawMessage `json:"processes"`
	}
	var s struct {
		GPU struct {
			Present       bool     `json:"present"`
			Reason        string   `json:"reason"`
			DriverVersion string   `json:"driver_version"`
			CUDAVersion   string   `json:"cuda_version"`
			NVMLVersion   string   `json:"nvml_version"`
			DeviceCount   int      `json:"device_count"`
			Devices       []device `json:"devices"`
		} `json:"gpu"`
	}
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("not JSON: %v\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	g := s.GPU
	if !g.Present || g.Reason != "" {
		t.Fatalf("gpu present=%v reason=%q, want present from the fake library\nstderr:\n%s", g.Present, g.Reason, stderr)
	}
	if g.DriverVersion != "550.54.15" || g.CUDAVersion != "12.4" || g.NVMLVersion != "12.550.54.15" {
		t.Errorf("versions driver=%q cuda=%q nvml=%q, want 550.54.15, 12.4 (from 12040), 12.550.54.15",
			g.DriverVersion, g.CUDAVersion, g.NVMLVersion)
	}
	if g.DeviceCount != 2 || len(g.Devices) != 2 {
		t.Fatalf("device_count %d with %d devices, want 2 and 2", g.DeviceCount, len(g.Devices))
	}

	d := g.Devices[0]
	if d.Index != 0 || d.Name != fakeGPUName || d.Lost || d.Error != "" {
		t.Errorf("device 0: index %d name %q lost %v error %q", d.Index, d.Name, d.Lost, d.Error)
	}
	if d.UUID != "GPU-f4e0c2a1-0b6d-4c38-9a57-3e1d2c4b5a69" || d.PCIBusID != "00000000:01:00.0" {
		t.Errorf("device 0: uuid %q pci %q", d.UUID, d.PCIBusID)
	}
	inRange := func(what string, v *float64, lo, hi float64) {
		t.Helper()
		if v == nil {
			t.Errorf("device 0: %s missing", what)
		} else if *v < lo || *v > hi {
			t.Errorf("device 0: %s = %v, want %v..%v", what, *v, lo, hi)
		}
	}
	if d.MemoryTotalBytes == nil || *d.MemoryTotalBytes != 24*gib {
		t.Errorf("device 0: memory_total_bytes %v, want 24 GiB", d.MemoryTotalBytes)
	}
	if d.MemoryUsedBytes == nil || d.MemoryFreeBytes == nil || d.MemoryTotalBytes == nil {
		t.Errorf("device 0: memory used %v free %v", d.MemoryUsedBytes, d.MemoryFreeBytes)
	} else {
		used := float64(*d.MemoryUsedBytes)
		inRange("memory_used_bytes", &used, 6*gib, 14*gib)
		if *d.MemoryUsedBytes+*d.MemoryFreeBytes != *d.MemoryTotalBytes {
			t.Errorf("device 0: used %d + free %d != total %d", *d.MemoryUsedBytes, *d.MemoryFreeBytes, *d.MemoryTotalBytes)
		}
	}
	inRange("utilization_gpu_percent", d.UtilGPU, 20, 90)
	inRange("utilization_memory_percent", d.UtilMemory, 10, 50)
	inRange("temperature_celsius", d.Temperature, 58, 62)
	inRange("power_watts (NVML serves mW)", d.Power, 240, 260)
	inRange("power_limit_watts", d.PowerLimit, 450, 450)
	inRange("energy_joules (NVML serves mJ)", d.Energy, 123456.789, 200000)
	inRange("fan_percent", d.Fan, 40, 40)
	if d.SMClock == nil || *d.SMClock != 2520 || d.MemoryClock == nil || *d.MemoryClock != 10501 {
		t.Errorf("device 0: clocks sm %v memory %v, want 2520 and 10501", d.SMClock, d.MemoryClock)
	}
	if len(d.Throttle) != 1 || d.Throttle[0] != "sw_power_cap" {
		t.Errorf("device 0: throttle_reasons %q, want [sw_power_cap]", d.Throttle)
	}
	if d.PCIeGen == nil || *d.PCIeGen != 4 || d.PCIeWidth == nil || *d.PCIeWidth != 16 {
		t.Errorf("device 0: pcie gen %v width %v, want 4 x16", d.PCIeGen, d.PCIeWidth)
	}

	byPID := map[int]map[string]json.RawMessage{}
	for _, p := range d.Processes {
		var pid int
		if err := json.Unmarshal(p["pid"], &pid); err != nil {
			t.Fatalf("process without a pid: %v", p)
		}
		byPID[pid] = p
	}
	if len(d.Processes) != 2 || len(byPID) != 2 {
		t.Errorf("device 0: processes %s, want PIDs %d and %d", d.Processes, sleepPID, fakeNoMemPID)
	}
	str := func(raw json.RawMessage) string { return strings.TrimSpace(string(raw)) }
	if p, ok := byPID[sleepPID]; !ok {
		t.Errorf("device 0: sleep PID %d not listed", sleepPID)
	} else if str(p["name"]) != `"sleep"` || str(p["type"]) != `"compute"` || str(p["memory_used_bytes"]) != strconv.FormatUint(2*gib, 10) {
		t.Errorf("device 0: sleep process %s, want name sleep, type compute, 2 GiB", p)
	}
	if p, ok := byPID[fakeNoMemPID]; !ok {
		t.Errorf("device 0: PID %d not listed", fakeNoMemPID)
	} else {
		if m, has := p["memory_used_bytes"]; has {
			t.Errorf("device 0: PID %d has memory_used_bytes %s; NVML said NVML_VALUE_NOT_AVAILABLE", fakeNoMemPID, m)
		}
		if str(p["type"]) != `"compute"` {
			t.Errorf("device 0: PID %d type %s", fakeNoMemPID, p["type"])
		}
	}

	lost := g.Devices[1]
	if lost.Index != 1 || !lost.Lost || !strings.Contains(lost.Error, "GPU is lost") {
		t.Errorf("device 1: index %d lost %v error %q, want lost with NVML's GPU is lost", lost.Index, lost.Lost, lost.Error)
	}
	if lost.MemoryTotalBytes != nil || lost.UtilGPU != nil || lost.Processes != nil || lost.Name != "" {
		t.Errorf("device 1 is lost but reports values: %+v", lost)
	}

	text, stderr, code := runSysmon(t, env, "snapshot", "--interval", "500ms")
	if code != 0 {
		t.Fatalf("snapshot: exit %d\nstderr:\n%s", code, stderr)
	}
	for _, want := range []string{fakeGPUName, "sleep", "GPU 1", "GPU is lost"} {
		if !strings.Contains(text, want) {
			t.Errorf("text snapshot lacks %q:\n%s", want, text)
		}
	}
	t.Logf("text snapshot:\n%s", text)
}

// Series colours of ui/palette.go that the GPU view draws.
var (
	colourGPU    = color.NRGBA{0x76, 0xb9, 0x00, 0xff}
	colourMemory = color.NRGBA{0xa8, 0x6b, 0xf0, 0xff}
	colourTemp   = color.NRGBA{0xf0, 0x5a, 0x4a, 0xff}
)

// TestFakeGPUWindow opens the window over the fake library, selects GPU 0
// in the side list and checks that its view is drawn: the utilisation chart
// in NVIDIA green, the VRAM and temperature charts, the banner. It leaves
// three screenshots in $SYSMON_SCREENSHOT_DIR when that is set: before the
// click, the GPU view, and the GPU view scrolled down to its processes.
func TestFakeGPUWindow(t *testing.T) {
	need(t, "Xvfb", "import", "xdpyinfo", "xdotool")
	env, _ := fakeNVML(t)
	display := startXvfb(t)
	runtime := t.TempDir()
	if err := os.Chmod(runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t))
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_RUNTIME_DIR="+runtime, "LANG=C.UTF-8",
		"HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	wait := func(d time.Duration) {
		t.Helper()
		select {
		case err := <-exited:
			t.Fatalf("sysmon exited early: %v\n%s", err, logs.String())
		case <-time.After(d):
		}
	}
	xdotool := func(args ...string) string {
		t.Helper()
		c := exec.Command("xdotool", args...)
		c.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("xdotool %v: %v %s", args, err, out)
		}
		return string(out)
	}
	shoot := func(name string) (string, image.Image) {
		t.Helper()
		path := filepath.Join(t.TempDir(), name)
		if out, err := exec.Command("import", "-display", display, "-window", "root", path).CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v: %s", err, out)
		}
		if dir := os.Getenv("SYSMON_SCREENSHOT_DIR"); dir != "" {
			copyFile(t, path, filepath.Join(dir, name))
		}
		return path, decodePNG(t, path)
	}

	wait(8 * time.Second)

	// The window: where the X server put it (top-left without a window manager).
	id := strings.Fields(xdotool("search", "--name", "^sysmon$"))
	if len(id) == 0 {
		t.Fatalf("no sysmon window\n%s", logs.String())
	}
	win := image.Rect(0, 0, 1100, 720)
	geo := xdotool("getwindowgeometry", "--shell", id[0])
	var x, y, w, h int
	for _, line := range strings.Fields(geo) {
		k, v, _ := strings.Cut(line, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "X":
			x = n
		case "Y":
			y = n
		case "WIDTH":
			w = n
		case "HEIGHT":
			h = n
		}
	}
	if w > 0 && h > 0 {
		win = image.Rect(x, y, x+w, y+h)
	}

	// GPU 0's side-list entry is the one whose sparkline is NVIDIA green; the
	// side list is the left 30 % of the window, below the banner and tabs.
	_, before := shoot("fakegpu-before.png")
	side := image.Rect(win.Min.X, win.Min.Y+80, win.Min.X+win.Dx()*3/10, win.Max.Y)
	pts := tinted(before, side, colourGPU)
	if len(pts) == 0 {
		t.Fatalf("no GPU sparkline in the side list %v: GPU 0 is not listed or not drawn\n%s", side, logs.String())
	}
	// Where two other series cross, their blend can have the GPU's hue for
	// a pixel or two: take the 60 px band with the most GPU-coloured pixels
	// (GPU 1 is lost and draws no line).
	best, bestN, sumY := 0, 0, 0
	for i, j := 0, 0; i < len(pts); i++ {
		for j < len(pts) && pts[j].Y < pts[i].Y+60 {
			j++
		}
		if j-i > bestN {
			best, bestN = i, j-i
		}
	}
	for _, p := range pts[best : best+bestN] {
		sumY += p.Y
	}
	top := pts[best].Y
	if bestN < 20 {
		t.Fatalf("only %d GPU-coloured pixels around y=%d in the side list: GPU 0's sparkline is not drawn", bestN, top)
	}
	clickX, clickY := side.Min.X+side.Dx()*2/3, sumY/bestN
	t.Logf("window %v; GPU 0 sparkline: %d pixels from y=%d, clicking (%d,%d)", win, bestN, top, clickX, clickY)
	xdotool("mousemove", "--sync", strconv.Itoa(clickX), strconv.Itoa(clickY))
	xdotool("click", "1")
	wait(3 * time.Second)

	shot, after := shoot("fakegpu-window.png")
	if dir := os.Getenv("SYSMON_SCREENSHOT_DIR"); dir != "" {
		t.Logf("GPU view screenshot: %s", filepath.Join(dir, "fakegpu-window.png"))
	}
	if n := coloursIn(t, shot, win); n < 40 {
		t.Errorf("window area has %d distinct colours: not drawn", n)
	}
	banner := image.Rect(win.Min.X, win.Min.Y, win.Max.X, win.Min.Y+40)
	if n := coloursIn(t, shot, banner); n < 8 {
		t.Errorf("banner area %v has %d distinct colours: no banner text", banner, n)
	}
	// The detail pane shows GPU 0: its utilisation chart in the GPU colour,
	// and the VRAM and temperature charts under it (power is further down).
	detail := image.Rect(side.Max.X+10, win.Min.Y+80, win.Max.X, win.Max.Y)
	for _, c := range []struct {
		name string
		col  color.NRGBA
	}{{"utilization", colourGPU}, {"VRAM", colourMemory}, {"temperature", colourTemp}} {
		if got := len(tinted(after, detail, c.col)); got < 20 {
			t.Errorf("detail pane %v has %d pixels of the %s chart's colour: GPU 0 is not shown", detail, got, c.name)
		}
	}
	// Scroll the detail pane down to the stats and processes, for whoever
	// looks at the screenshots.
	xdotool("mousemove", "--sync", strconv.Itoa((detail.Min.X+detail.Max.X)/2), strconv.Itoa(detail.Max.Y-60))
	xdotool("click", "--repeat", "40", "--delay", "30", "5")
	wait(2 * time.Second)
	shoot("fakegpu-details.png")

	terminate(t, cmd, exited, &logs)
	if strings.Contains(logs.String(), "symbol lookup error") {
		t.Errorf("sysmon called a symbol the library lacks:\n%s", logs.String())
	}
}

func decodePNG(t testing.TB, path string) image.Image {
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
	return img
}

// tinted lists, top to bottom, the pixels in r whose colour is c blended
// with a grey: a chart line is anti-aliased and its fill translucent, so
// few pixels have c exactly, but all keep its hue. The grey part of a pixel
// (its smallest channel) is removed and the rest must point the way c does.
func tinted(img image.Image, r image.Rectangle, c color.NRGBA) []image.Point {
	chroma := func(r, g, b float64) (float64, float64, float64) {
		m := min(r, g, b)
		return r - m, g - m, b - m
	}
	tr, tg, tb := chroma(float64(c.R), float64(c.G), float64(c.B))
	tn := math.Sqrt(tr*tr + tg*tg + tb*tb)
	var pts []image.Point
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			pr, pg, pb := chroma(float64(cr>>8), float64(cg>>8), float64(cb>>8))
			pn := math.Sqrt(pr*pr + pg*pg + pb*pb)
			if pn >= 20 && (pr*tr+pg*tg+pb*tb)/(pn*tn) >= 0.98 {
				pts = append(pts, image.Point{x, y})
			}
		}
	}
	return pts
}
