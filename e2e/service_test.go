package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallService installs the systemd user unit for a binary under a
// temporary PREFIX, with a stand-in systemctl on PATH that records what it
// is asked, then uninstalls it.
func TestInstallService(t *testing.T) {
	for _, c := range []struct {
		name    string
		managed bool // a systemd user manager answers
		want    []string
	}{
		{"with systemd", true, []string{"--user show-environment", "--user daemon-reload", "--user enable --now sysmon.service"}},
		{"without systemd", false, []string{"--user show-environment"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			home, prefix, fake := t.TempDir(), filepath.Join(t.TempDir(), "my prefix"), t.TempDir()
			bin := filepath.Join(prefix, "bin", "sysmon")
			if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
				t.Fatal(err)
			}
			copyFile(t, binary(t), bin)
			if err := os.Chmod(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			calls := filepath.Join(fake, "calls")
			answer := "exit 0"
			if !c.managed {
				answer = `[ "$2" = show-environment ] && exit 1; exit 0`
			}
			script := "#!/bin/sh\necho \"$*\" >> " + calls + "\n" + answer + "\n"
			if err := os.WriteFile(filepath.Join(fake, "systemctl"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			env := append(os.Environ(), "HOME="+home, "PREFIX="+prefix, "XDG_CONFIG_HOME=", "PATH="+fake+":"+os.Getenv("PATH"))
			run := func(action string) string {
				cmd := exec.Command(filepath.Join(repoRoot(t), "scripts", "install-service.sh"), action)
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("install-service.sh %s: %v\n%s", action, err, out)
				}
				return string(out)
			}

			out := run("install")
			unit := filepath.Join(home, ".config", "systemd", "user", "sysmon.service")
			data, err := os.ReadFile(unit)
			if err != nil {
				t.Fatalf("no unit: %v\n%s", err, out)
			}
			if want := "ExecStart=\"" + bin + "\" daemon\n"; !strings.Contains(string(data), want) {
				t.Errorf("unit lacks %q:\n%s", want, data)
			}
			if got := readLines(t, calls); strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("systemctl calls %q, want %q", got, c.want)
			}
			if !c.managed && !strings.Contains(out, "enable --now sysmon.service") {
				t.Errorf("without systemd the script should say how to start the service:\n%s", out)
			}
			// The unit's command line is one the binary takes.
			if out, err := exec.Command(bin, "daemon", "--help").CombinedOutput(); err != nil {
				t.Errorf("%s daemon --help: %v\n%s", bin, err, out)
			}
			if _, err := exec.LookPath("systemd-analyze"); err == nil {
				runtime := t.TempDir()
				os.Chmod(runtime, 0o700)
				verify := exec.Command("systemd-analyze", "--user", "verify", unit)
				verify.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+runtime)
				if out, err := verify.CombinedOutput(); err != nil {
					t.Errorf("systemd-analyze verify: %v\n%s", err, out)
				}
			}

			os.Remove(calls)
			run("uninstall")
			if _, err := os.Stat(unit); !os.IsNotExist(err) {
				t.Errorf("uninstall left the unit: %v", err)
			}
			if c.managed {
				if got := readLines(t, calls); !strings.Contains(strings.Join(got, "|"), "--user disable --now sysmon.service") {
					t.Errorf("uninstall did not disable the service: %q", got)
				}
			}
		})
	}
}

func readLines(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}
