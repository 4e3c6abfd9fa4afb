package tray

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"sysmon/tray/traytest"
)

func TestHostPresentOnARealBus(t *testing.T) {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("dbus-daemon is not installed")
		}
		t.Skip("dbus-daemon is not installed")
	}
	addr, stop, err := traytest.StartBus(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	if ok, why := HostPresent(ctx); ok || !strings.Contains(why, "no tray host") {
		t.Errorf("without a watcher: %v %q", ok, why)
	}
	w, err := traytest.StartWatcher(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if ok, why := HostPresent(ctx); !ok {
		t.Errorf("with a watcher: not present: %s", why)
	}
}

func TestHostPresentWithoutBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	if ok, why := HostPresent(context.Background()); ok || why == "" {
		t.Errorf("no bus: %v %q", ok, why)
	}
}
