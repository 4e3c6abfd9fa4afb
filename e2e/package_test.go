package e2e

// Tests of the packaging targets (make package, make install/uninstall).
//
// Building the package takes minutes on a cold cache, so a plain go test
// skips them; make test (and so CI) sets SYSMON_PACKAGE_TEST=1, as does
//
//	SYSMON_PACKAGE_TEST=1 go test -count=1 -timeout 30m -v -run 'TestPackagedBinaryStarts|TestInstallUserLocal' ./e2e/
//
// SYSMON_TARBALL=path makes TestPackagedBinaryStarts test that tarball
// instead of running make package.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func needPackageTest(t testing.TB) {
	t.Helper()
	if os.Getenv("SYSMON_PACKAGE_TEST") != "1" {
		t.Skip("packaging test: set SYSMON_PACKAGE_TEST=1 to run it (make test does)")
	}
}

// repoRoot is the checkout the tests run make in.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "FyneApp.toml")); err != nil {
		t.Fatalf("no FyneApp.toml in %s", root)
	}
	return root
}

// fyneAppField reads one `Key = "value"` line of FyneApp.toml.
func fyneAppField(t testing.TB, key string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "FyneApp.toml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + key + `\s*=\s*"([^"]*)"`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no %s in FyneApp.toml", key)
	}
	return string(m[1])
}

// runMake runs make in the checkout with extra arguments and fails the test
// with its output when it fails.
func runMake(t testing.TB, args ...string) string {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("make", append([]string{"-C", repoRoot(t)}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("make %s: %s", strings.Join(args, " "), time.Since(start).Round(time.Second))
	return string(out)
}

// tarball returns SYSMON_TARBALL, or builds the package with make package.
func tarball(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("SYSMON_TARBALL"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	runMake(t, "package")
	matches, err := filepath.Glob(filepath.Join(repoRoot(t), "dist", "sysmon-"+fyneAppField(t, "Version")+"-linux-*.tar.xz"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("make package left %v in dist/, want one tarball", matches)
	}
	return matches[0]
}

// desktopEntry parses the [Desktop Entry] group of a .desktop file.
func desktopEntry(t testing.TB, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entry := map[string]string{}
	group := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			group = line
		case group == "[Desktop Entry]":
			if k, v, ok := strings.Cut(line, "="); ok {
				entry[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return entry
}

// checkDesktopEntry checks the fields the app menu needs; exec is the
// expected Exec value (wantExec).
func checkDesktopEntry(t testing.TB, path, wantExec string) {
	t.Helper()
	e := desktopEntry(t, path)
	want := map[string]string{
		"Type": "Application",
		"Name": fyneAppField(t, "Name"),
		"Exec": wantExec,
		"Icon": fyneAppField(t, "ID"),
	}
	for k, v := range want {
		if e[k] != v {
			t.Errorf("%s: %s=%q, want %q", filepath.Base(path), k, e[k], v)
		}
	}
	cats := strings.Split(strings.TrimSuffix(e["Categories"], ";"), ";")
	for _, c := range []string{"System", "Monitor"} {
		if !slices.Contains(cats, c) {
			t.Errorf("%s: Categories=%q lacks %s", filepath.Base(path), e["Categories"], c)
		}
	}
	if e["Comment"] == "" {
		t.Errorf("%s: no Comment", filepath.Base(path))
	}
	if _, err := exec.LookPath("desktop-file-validate"); err == nil {
		if out, err := exec.Command("desktop-file-validate", path).CombinedOutput(); err != nil {
			t.Errorf("desktop-file-validate %s: %v\n%s", path, err, out)
		}
	}
}

// checkIcon checks that path is a square PNG of at least 256 pixels.
func checkIcon(t testing.TB, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("icon %s: %v", path, err)
	}
	if cfg.Width != cfg.Height || cfg.Width < 256 {
		t.Errorf("icon %s is %dx%d, want square, at least 256", path, cfg.Width, cfg.Height)
	}
}

// filesUnder lists the non-directories under dir, relative to it.
func filesUnder(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// TestPackagedBinaryStarts builds the Linux tarball (make package), unpacks
// it, checks its .desktop file and icon, runs the packaged binary's CLI, and
// starts its window on Xvfb: it must stay up 5 s, draw, and end on SIGTERM.
// The packaged binary is the one fyne links with -z now, which once made it
// fail at start-up on go-nvml's lazily resolved symbols.
func TestPackagedBinaryStarts(t *testing.T) {
	needPackageTest(t)
	need(t, "make", "tar", "xz")
	tb := tarball(t)
	if st, err := os.Stat(tb); err == nil {
		t.Logf("tarball %s: %d bytes", tb, st.Size())
	}
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-xJf", tb, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("extract %s: %v\n%s", tb, err, out)
	}

	var bin, desktop, icon string
	for _, f := range filesUnder(t, dir) {
		switch {
		case strings.HasSuffix(f, "/bin/sysmon"):
			bin = filepath.Join(dir, f)
		case strings.Contains(f, "/share/applications/") && strings.HasSuffix(f, ".desktop"):
			desktop = filepath.Join(dir, f)
		case strings.Contains(f, "/share/pixmaps/") && strings.HasSuffix(f, ".png"):
			icon = filepath.Join(dir, f)
		}
	}
	if bin == "" || desktop == "" || icon == "" {
		t.Fatalf("tarball holds %v; want bin/sysmon, a .desktop file and a pixmaps icon", filesUnder(t, dir))
	}
	checkDesktopEntry(t, desktop, "sysmon")
	if got, want := filepath.Base(desktop), fyneAppField(t, "ID")+".desktop"; got != want {
		t.Errorf("desktop file %s, want %s", got, want)
	}
	if got, want := filepath.Base(icon), fyneAppField(t, "ID")+".png"; got != want {
		t.Errorf("icon %s, want %s", got, want)
	}
	checkIcon(t, icon)

	out, err := exec.Command(bin, "version").CombinedOutput()
	if want := "sysmon " + fyneAppField(t, "Version"); err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("packaged sysmon version: %v %q, want %q", err, out, want)
	}
	cmd := exec.Command(bin, "snapshot", "--json", "--interval", "500ms")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("packaged sysmon snapshot --json: %v\n%s", err, stderr.String())
	}
	var sample map[string]any
	if err := json.Unmarshal(out, &sample); err != nil {
		t.Fatalf("snapshot is not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"cpu", "memory", "gpu"} {
		if sample[k] == nil {
			t.Errorf("snapshot lacks %q", k)
		}
	}

	t.Run("window", func(t *testing.T) {
		need(t, "Xvfb", "import", "xdpyinfo")
		display := startXvfb(t)
		runtime := t.TempDir()
		if err := os.Chmod(runtime, 0o700); err != nil {
			t.Fatal(err)
		}
		app := exec.Command(bin)
		var logs syncBuffer
		app.Stdout, app.Stderr = &logs, &logs
		app.Env = append(os.Environ(), "DISPLAY="+display, "XDG_RUNTIME_DIR="+runtime, "LANG=C.UTF-8", "HOME="+t.TempDir())
		if err := app.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- app.Wait() }()
		t.Cleanup(func() { _ = app.Process.Kill() })

		select {
		case err := <-exited:
			t.Fatalf("packaged sysmon exited early: %v\n%s", err, logs.String())
		case <-time.After(5 * time.Second):
		}
		shot := filepath.Join(t.TempDir(), "packaged.png")
		if out, err := exec.Command("import", "-display", display, "-window", "root", shot).CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v: %s", err, out)
		}
		if dir := os.Getenv("SYSMON_SCREENSHOT_DIR"); dir != "" {
			copyFile(t, shot, filepath.Join(dir, "packaged.png"))
		}
		if n := coloursIn(t, shot, image.Rect(0, 0, 1100, 720)); n < 40 {
			t.Errorf("window area has %d distinct colours: not drawn\n%s", n, logs.String())
		}
		if err := app.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("packaged sysmon did not exit within 10 s of SIGTERM\n%s", logs.String())
		}
	})
}

// TestInstallUserLocal installs into a temporary HOME with make install,
// checks what it put there (and nothing else), runs the installed binary,
// then make uninstall must leave no file behind. The same with DESTDIR and
// PREFIX, as a distribution package would use them.
func TestInstallUserLocal(t *testing.T) {
	needPackageTest(t)
	need(t, "make", "tar", "xz")
	id := fyneAppField(t, "ID")
	// Build the package here, with the real HOME, so that the installs
	// below only copy files.
	runMake(t, "package")

	// check installs with make variables vars into root, where the files
	// must land under root/rel and name the installed binary as prefix/bin/sysmon.
	check := func(t *testing.T, root, rel, prefix string, vars ...string) {
		runMake(t, append([]string{"install"}, vars...)...)
		bin := filepath.Join(rel, "bin", "sysmon")
		desktop := filepath.Join(rel, "share", "applications", id+".desktop")
		icon := filepath.Join(rel, "share", "icons", "hicolor", "256x256", "apps", id+".png")
		want := []string{bin, desktop, icon}
		slices.Sort(want)
		if got := filesUnder(t, root); !slices.Equal(got, want) {
			t.Fatalf("install left %q under %s, want %q", got, root, want)
		}
		out, err := exec.Command(filepath.Join(root, bin), "version").CombinedOutput()
		if want := "sysmon " + fyneAppField(t, "Version"); err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("installed sysmon version: %v %q, want %q", err, out, want)
		}
		checkDesktopEntry(t, filepath.Join(root, desktop), filepath.Join(prefix, "bin", "sysmon"))
		checkIcon(t, filepath.Join(root, icon))

		runMake(t, append([]string{"uninstall"}, vars...)...)
		if got := filesUnder(t, root); len(got) != 0 {
			t.Errorf("uninstall left %q under %s", got, root)
		}
	}

	t.Run("HOME", func(t *testing.T) {
		home := t.TempDir()
		check(t, home, ".local", filepath.Join(home, ".local"), "HOME="+home)
	})
	t.Run("DESTDIR", func(t *testing.T) {
		dest := t.TempDir()
		check(t, dest, filepath.Join("opt", "sysmon"), "/opt/sysmon", "DESTDIR="+dest, "PREFIX=/opt/sysmon")
	})
}
