//go:build linux

package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"sysmon/tray/traytest"
)

// trayEnv starts Xvfb and a private session bus, optionally with a fake tray
// host, and returns the environment for sysmon.
func trayEnv(t testing.TB, withWatcher bool) (env []string, display string, w *traytest.Watcher) {
	t.Helper()
	need(t, "Xvfb", "xdpyinfo", "dbus-daemon")
	display = startXvfb(t)
	addr, stop, err := traytest.StartBus(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	if withWatcher {
		if w, err = traytest.StartWatcher(addr); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
	}
	runtime := t.TempDir()
	os.Chmod(runtime, 0o700)
	env = append(traytest.Environ(addr), "DISPLAY="+display, "XDG_RUNTIME_DIR="+runtime, "LANG=C.UTF-8", "HOME="+t.TempDir())
	return env, display, w
}

// TestTrayMenuShowsLiveStats reads the tray menu back over D-Bus, as a panel
// would, and sees the quick stats change between ticks; closing the window
// then hides it to the tray instead of quitting.
func TestTrayMenuShowsLiveStats(t *testing.T) {
	env, display, w := trayEnv(t, true)
	cmd, out, exited := startWith(t, env, "--interval", "250ms")
	item, err := w.WaitItem(15 * time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var first []string
	deadline := time.Now().Add(15 * time.Second)
	for {
		labels, err := w.MenuLabels(ctx, item)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil && len(labels) > 0 && strings.HasPrefix(labels[0], "CPU ") && !strings.Contains(labels[0], "n/a") {
			first = labels
		} else if first != nil && !slices.Equal(first, labels) {
			if !strings.HasPrefix(labels[1], "Memory ") || !slices.Contains(labels, "Hide window") {
				t.Errorf("menu %q", labels)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tray menu did not change: %q\n%s", labels, out.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
	closeWindow(t, display)
	time.Sleep(2 * time.Second)
	select {
	case err := <-exited:
		t.Fatalf("closing the window quit sysmon although a tray host is present: %v\n%s", err, out.String())
	default:
	}
	labels, _ := w.MenuLabels(ctx, item)
	if !slices.Contains(labels, "Show window") {
		t.Errorf("after close the menu is %q, want a Show window item", labels)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// TestCloseQuitsWithoutTray is case U2: with no tray host on the bus the
// failure is logged and closing the window quits instead of hiding it.
func TestCloseQuitsWithoutTray(t *testing.T) {
	env, display, _ := trayEnv(t, false)
	_, out, exited := startWith(t, env)
	time.Sleep(5 * time.Second)
	closeWindow(t, display)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit %v\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("closing the window did not quit without a tray\n%s", out.String())
	}
	if !strings.Contains(out.String(), "no system tray") {
		t.Errorf("the missing tray was not logged:\n%s", out.String())
	}
}

// closeWindow asks sysmon's window to close the way a window manager does:
// a WM_DELETE_WINDOW client message.
func closeWindow(t testing.TB, display string) {
	t.Helper()
	xgb.Logger.SetOutput(io.Discard)
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	atom := func(name string) xproto.Atom {
		r, err := xproto.InternAtom(conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			t.Fatal(err)
		}
		return r.Atom
	}
	protocols, del := atom("WM_PROTOCOLS"), atom("WM_DELETE_WINDOW")
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	tree, err := xproto.QueryTree(conn, root).Reply()
	if err != nil {
		t.Fatal(err)
	}
	for _, win := range tree.Children {
		p, err := xproto.GetProperty(conn, false, win, xproto.AtomWmName, xproto.GetPropertyTypeAny, 0, 64).Reply()
		if err != nil || string(p.Value) != "sysmon" {
			continue
		}
		ev := xproto.ClientMessageEvent{Format: 32, Window: win, Type: protocols,
			Data: xproto.ClientMessageDataUnionData32New([]uint32{uint32(del), uint32(xproto.TimeCurrentTime), 0, 0, 0})}
		if err := xproto.SendEventChecked(conn, false, win, xproto.EventMaskNoEvent, string(ev.Bytes())).Check(); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal(fmt.Sprintf("no window named sysmon among %d", len(tree.Children)))
}

// BenchmarkHiddenToTray measures sysmon's CPU while its window is hidden to
// a (fake) tray host: the tray menu and icon still update every tick.
// Run it with: go test -run '^$' -bench HiddenToTray -benchtime 1x ./e2e/
func BenchmarkHiddenToTray(b *testing.B) {
	env, _, w := trayEnv(b, true)
	cmd, out, exited := startWith(b, env, "--minimized")
	if _, err := w.WaitItem(15 * time.Second); err != nil {
		b.Fatalf("%v\n%s", err, out.String())
	}
	time.Sleep(5 * time.Second)
	ticks := func() float64 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
		if err != nil {
			b.Fatal(err)
		}
		f := strings.Fields(string(data)[strings.LastIndexByte(string(data), ')')+2:])
		u, _ := strconv.ParseFloat(f[11], 64)
		s, _ := strconv.ParseFloat(f[12], 64)
		return u + s
	}
	b.ResetTimer()
	for b.Loop() {
		t0, start := ticks(), time.Now()
		time.Sleep(30 * time.Second)
		// /proc/PID/stat counts in clock ticks of 1/100 s on Linux.
		b.ReportMetric((ticks()-t0)/100/time.Since(start).Seconds()*100, "cpu%")
	}
	b.StopTimer()
	terminate(b, cmd, exited, out)
}
