package idle

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

func openX11(tb testing.TB, display string) Detector {
	tb.Helper()
	d := openLinux(context.Background(), linuxEnv{display: display})
	tb.Cleanup(func() { d.Close() })
	if d.Name() != "x11" {
		_, err := d.Idle(context.Background())
		tb.Fatalf("backend %q, want x11: %v", d.Name(), err)
	}
	return d
}

// waitIdle polls until the idle time reaches at least d.
func waitIdle(t *testing.T, det Detector, d time.Duration) Reading {
	t.Helper()
	deadline := time.Now().Add(d + 5*time.Second)
	for {
		r := mustIdle(t, det)
		if r.Idle >= d {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle time stuck at %v, waiting for %v", r.Idle, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestX11EndToEnd(t *testing.T) {
	display := startXvfb(t)
	needBinary(t, "xdotool")
	d := openX11(t, display)

	// Nothing happens: the idle time grows with the clock.
	first := mustIdle(t, d)
	time.Sleep(1200 * time.Millisecond)
	second := mustIdle(t, d)
	if grew := second.Idle - first.Idle; grew < time.Second || grew > 3*time.Second {
		t.Fatalf("idle went from %v to %v over 1.2s", first.Idle, second.Idle)
	}
	if second.Inhibited {
		t.Fatal("inhibited with the screen saver at its defaults")
	}

	xdotool(t, display, "mousemove", "100", "120")
	if r := mustIdle(t, d); r.Idle >= time.Second {
		t.Fatalf("idle %v right after a mouse move", r.Idle)
	}
	waitIdle(t, d, time.Second)
	xdotool(t, display, "key", "shift")
	if r := mustIdle(t, d); r.Idle >= time.Second {
		t.Fatalf("idle %v right after a key press", r.Idle)
	}

	// The state machine on the real backend, with a short threshold.
	tr := NewTracker(d, WithThreshold(1500*time.Millisecond))
	events, cancel := tr.Subscribe(8)
	defer cancel()
	if st := tr.Poll(t.Context()); st.State != StateActive || st.Backend != "x11" {
		t.Fatalf("after input: %+v", st)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tr.Poll(t.Context()).State != StateAFK {
		if time.Now().After(deadline) {
			t.Fatalf("never went AFK: %+v", tr.Status())
		}
		time.Sleep(100 * time.Millisecond)
	}
	st := tr.Status()
	if *st.IdleSeconds < 1.5 || st.AFKSince == nil || time.Since(*st.AFKSince) > 4*time.Second {
		t.Fatalf("AFK status: %+v", st)
	}
	xdotool(t, display, "mousemove", "300", "200")
	if st := tr.Poll(t.Context()); st.State != StateActive || *st.IdleSeconds >= 1 {
		t.Fatalf("back after a mouse move: %+v", st)
	}
	if got, want := transitions(drain(events)), "unknown>active active>afk afk>active "; got != want {
		t.Fatalf("transitions %q, want %q", got, want)
	}
}

func TestX11ScreenSaverSwitchedOffCountsAsInhibitor(t *testing.T) {
	display := startXvfb(t)
	d := openX11(t, display)
	if r := mustIdle(t, d); r.Inhibited {
		t.Fatal("inhibited with the screen saver enabled")
	}

	// Another client switches the saver off, as a video player would.
	player, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatal(err)
	}
	defer player.Close()
	setSaver := func(timeout int16) {
		t.Helper()
		err := xproto.SetScreenSaverChecked(player, timeout, -1, xproto.BlankingDefault, xproto.ExposuresDefault).Check()
		if err != nil {
			t.Fatal(err)
		}
	}
	setSaver(0)
	if r := mustIdle(t, d); !r.Inhibited {
		t.Fatal("not inhibited with the saver switched off")
	}
	setSaver(-1) // back to the server default
	if r := mustIdle(t, d); r.Inhibited {
		t.Fatal("still inhibited after the saver came back")
	}
}

func TestX11SaverOffFromTheStartIsNotAnInhibitor(t *testing.T) {
	// `xset s off` before anything watches: a setting, not an inhibitor.
	display := startXvfb(t, "-s", "0")
	d := openX11(t, display)
	if r := mustIdle(t, d); r.Inhibited {
		t.Fatal("a saver disabled from the start counted as an inhibitor")
	}
}

func TestX11HungServer(t *testing.T) {
	display, xvfb := startXvfbProcess(t)
	d := openX11(t, display)
	mustIdle(t, d)

	// start's cleanup resumes the server before stopping it.
	if err := xvfb.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second call dials again and must give up too
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		start := time.Now()
		_, err := d.Idle(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnknown) {
			t.Fatalf("err %v", err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("Idle took %v on a stopped server", took)
		}
	}
	if err := xvfb.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	mustIdle(t, d) // reconnects
}

func TestX11Authority(t *testing.T) {
	cookie := make([]byte, 16)
	rand.Read(cookie)
	dir := t.TempDir()
	serverAuth := filepath.Join(dir, "server")
	writeXauth(t, serverAuth, familyWild, "", "", cookie)
	display := startXvfb(t, "-auth", serverAuth)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	number := strings.TrimPrefix(display, ":")

	// The right cookie under the display's number, after entries for other
	// displays: what a login manager writes.
	good := filepath.Join(dir, "good")
	wrong := make([]byte, 16)
	writeXauth(t, good, familyLocal, host, "9"+number, wrong,
		familyLocal, host, number, cookie)
	t.Setenv("XAUTHORITY", good)
	d := openX11(t, display)
	mustIdle(t, d)

	t.Setenv("XAUTHORITY", filepath.Join(dir, "missing"))
	if d := openLinux(t.Context(), linuxEnv{display: display}); d.Name() != "none" {
		d.Close()
		t.Fatal("connected without the cookie to a server that requires one")
	}
}

// writeXauth writes Xauthority entries, given as family, address, number,
// cookie groups.
func writeXauth(t *testing.T, path string, entries ...any) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+3 < len(entries); i += 4 {
		xauthEntry(f, uint16(entries[i].(int)), entries[i+1].(string), entries[i+2].(string),
			"MIT-MAGIC-COOKIE-1", entries[i+3].([]byte))
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestX11NoServer(t *testing.T) {
	d := openTest(t, linuxEnv{display: ":4242"})
	_, err := d.Idle(t.Context())
	if d.Name() != "none" || !strings.Contains(err.Error(), `x11: connect to X display ":4242"`) {
		t.Fatalf("backend %q, err %v", d.Name(), err)
	}
}

// BenchmarkX11Idle measures one Detector.Idle on the reused connection: one
// QueryInfo round trip plus the cached-state inhibitor check.
func BenchmarkX11Idle(b *testing.B) {
	d := openX11(b, startXvfb(b))
	ctx := context.Background()
	for b.Loop() {
		if _, err := d.Idle(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
