//go:build linux || freebsd || openbsd || netbsd || dragonfly

package notify

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"sysmon/tray/traytest"
)

// server is a fake notification daemon that records what it is sent.
type server struct{ got chan [2]string }

func (s *server) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, expire int32) (uint32, *dbus.Error) {
	s.got <- [2]string{summary, body}
	return 1, nil
}

func TestSendReachesNotificationServer(t *testing.T) {
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
	t.Cleanup(stop)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)

	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	srv := &server{got: make(chan [2]string, 1)}
	if err := conn.Export(srv, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name: %v %v", reply, err)
	}

	if err := Send(context.Background(), "sysmon job finished", "#3 llama-bench"); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-srv.got:
		if got != [2]string{"sysmon job finished", "#3 llama-bench"} {
			t.Errorf("server got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification arrived")
	}
}

func TestSendWithoutServerFails(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/none")
	if err := Send(context.Background(), "t", "b"); err == nil {
		t.Fatal("Send with no session bus returned nil")
	}
}

// TestSendNeverLaunchesABus: with no session bus address at all, Send fails
// instead of having dbus-launch start a bus that would outlive sysmon.
func TestSendNeverLaunchesABus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("DISPLAY", ":239")
	dir := t.TempDir()
	// A dbus-launch first on PATH records whether anyone ran it.
	script := "#!/bin/sh\ntouch " + dir + "/launched\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	if err := Send(context.Background(), "t", "b"); err == nil {
		t.Fatal("Send with no session bus returned nil")
	}
	if _, err := os.Stat(filepath.Join(dir, "launched")); err == nil {
		t.Error("Send ran dbus-launch")
	}
}
