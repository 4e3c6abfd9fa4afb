package idle

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

// serve connects to the bus at address as a service owning name and exports
// v at path under iface.
func serve(t *testing.T, address, name, path, iface string, v any) {
	t.Helper()
	conn, err := dbus.Connect(address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Export(v, dbus.ObjectPath(path), iface); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", name, reply, err)
	}
}

type fakeMutter struct {
	ms     atomic.Uint64
	fail   atomic.Bool
	hang   atomic.Bool
	unhang chan struct{}
}

func (f *fakeMutter) GetIdletime() (uint64, *dbus.Error) {
	if f.hang.Load() {
		<-f.unhang
	}
	if f.fail.Load() {
		return 0, dbus.MakeFailedError(errors.New("idle monitor not ready"))
	}
	return f.ms.Load(), nil
}

func serveMutter(t *testing.T, bus string, ms uint64) *fakeMutter {
	f := &fakeMutter{unhang: make(chan struct{})}
	f.ms.Store(ms)
	// Registered before the connection's own cleanup, so it runs after it:
	// a handler still hanging must be released for goleak.
	t.Cleanup(func() { close(f.unhang) })
	serve(t, bus, "org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core", "org.gnome.Mutter.IdleMonitor", f)
	return f
}

type fakeScreenSaver struct{ s atomic.Uint32 }

func (f *fakeScreenSaver) GetSessionIdleTime() (uint32, *dbus.Error) { return f.s.Load(), nil }

// fakeInhibitor plays org.gnome.SessionManager IsInhibited and KDE's
// HasInhibition, recording the flags it was asked about.
type fakeInhibitor struct {
	on    atomic.Bool
	flags atomic.Uint32
}

func (f *fakeInhibitor) IsInhibited(flags uint32) (bool, *dbus.Error) {
	f.flags.Store(flags)
	return f.on.Load(), nil
}

func (f *fakeInhibitor) HasInhibition(types uint32) (bool, *dbus.Error) {
	f.flags.Store(types)
	return f.on.Load(), nil
}

// fakeLogind serves the parts of org.freedesktop.login1 the backend reads:
// the manager's session lookup and BlockInhibited, and the session's idle
// properties.
type fakeLogind struct {
	mu             sync.Mutex
	idleHint       bool
	sinceMonoUsec  uint64
	blockInhibited string
}

type fakeLogindManager struct{ l *fakeLogind }

func (m fakeLogindManager) GetSessionByPID(pid uint32) (dbus.ObjectPath, *dbus.Error) {
	return "/org/freedesktop/login1/session/_32", nil
}

type fakeLogindProps struct{ l *fakeLogind }

func (p fakeLogindProps) Get(iface, prop string) (dbus.Variant, *dbus.Error) {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	if iface == login1+".Manager" && prop == "BlockInhibited" {
		return dbus.MakeVariant(p.l.blockInhibited), nil
	}
	return dbus.Variant{}, dbus.MakeFailedError(errors.New("no such property"))
}

func (p fakeLogindProps) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	var sinceReal uint64 // logind leaves both at 0 until the hint is first set
	if p.l.sinceMonoUsec != 0 {
		sinceReal = uint64(time.Now().UnixMicro())
	}
	return map[string]dbus.Variant{
		"Id":                     dbus.MakeVariant("2"),
		"IdleHint":               dbus.MakeVariant(p.l.idleHint),
		"IdleSinceHint":          dbus.MakeVariant(sinceReal),
		"IdleSinceHintMonotonic": dbus.MakeVariant(p.l.sinceMonoUsec),
	}, nil
}

func serveLogind(t *testing.T, bus string, l *fakeLogind) {
	conn, err := dbus.Connect(bus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.Export(fakeLogindManager{l}, login1Path, login1+".Manager")
	conn.Export(fakeLogindProps{l}, login1Path, "org.freedesktop.DBus.Properties")
	conn.Export(fakeLogindProps{l}, "/org/freedesktop/login1/session/_32", "org.freedesktop.DBus.Properties")
	if reply, err := conn.RequestName(login1, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", login1, reply, err)
	}
}

func monotonicNow(t *testing.T) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ts.Nano())
}

func openTest(t *testing.T, env linuxEnv) Detector {
	t.Helper()
	d := openLinux(t.Context(), env)
	t.Cleanup(func() { d.Close() })
	return d
}

func mustIdle(t *testing.T, d Detector) Reading {
	t.Helper()
	r, err := d.Idle(t.Context())
	if err != nil {
		t.Fatalf("%s: %v", d.Name(), err)
	}
	return r
}

func TestDBusMutter(t *testing.T) {
	bus := startBus(t)
	f := serveMutter(t, bus, 4242)
	d := openTest(t, linuxEnv{sessionBus: bus})
	if d.Name() != "gnome-mutter" {
		t.Fatalf("backend %q, want gnome-mutter", d.Name())
	}
	if r := mustIdle(t, d); r != (Reading{Idle: 4242 * time.Millisecond}) {
		t.Fatalf("got %+v", r)
	}
	f.ms.Store(7)
	if r := mustIdle(t, d); r.Idle != 7*time.Millisecond {
		t.Fatalf("got %+v after the value changed", r)
	}
}

func TestDBusScreenSaverPaths(t *testing.T) {
	for _, path := range []string{"/org/freedesktop/ScreenSaver", "/ScreenSaver"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			bus := startBus(t)
			f := &fakeScreenSaver{}
			f.s.Store(17)
			serve(t, bus, "org.freedesktop.ScreenSaver", path, "org.freedesktop.ScreenSaver", f)
			d := openTest(t, linuxEnv{sessionBus: bus})
			if d.Name() != "freedesktop-screensaver" {
				t.Fatalf("backend %q", d.Name())
			}
			if r := mustIdle(t, d); r.Idle != 17*time.Second {
				t.Fatalf("got %+v", r)
			}
			f.s.Store(0)
			if r := mustIdle(t, d); r.Idle != 0 {
				t.Fatalf("got %+v after input", r)
			}
		})
	}
}

func TestDBusFallsThrough(t *testing.T) {
	t.Run("mutter fails, screensaver answers", func(t *testing.T) {
		bus := startBus(t)
		serveMutter(t, bus, 1).fail.Store(true)
		f := &fakeScreenSaver{}
		f.s.Store(3)
		serve(t, bus, "org.freedesktop.ScreenSaver", "/ScreenSaver", "org.freedesktop.ScreenSaver", f)
		d := openTest(t, linuxEnv{sessionBus: bus})
		if d.Name() != "freedesktop-screensaver" {
			t.Fatalf("backend %q", d.Name())
		}
		if r := mustIdle(t, d); r.Idle != 3*time.Second {
			t.Fatalf("got %+v", r)
		}
	})

	t.Run("empty session bus, logind on the system bus", func(t *testing.T) {
		session, system := startBus(t), startBus(t)
		l := &fakeLogind{idleHint: true, sinceMonoUsec: uint64((monotonicNow(t) - 42*time.Second).Microseconds())}
		serveLogind(t, system, l)
		d := openTest(t, linuxEnv{sessionBus: session, systemBus: system})
		if d.Name() != "logind" {
			t.Fatalf("backend %q", d.Name())
		}
		if r := mustIdle(t, d); r.Idle < 42*time.Second || r.Idle > 44*time.Second || r.Inhibited {
			t.Fatalf("got %+v, want about 42s", r)
		}
		l.mu.Lock()
		l.idleHint = false
		l.blockInhibited = "shutdown:sleep:idle:handle-lid-switch"
		l.mu.Unlock()
		if r := mustIdle(t, d); r != (Reading{Idle: 0, Inhibited: true}) {
			t.Fatalf("got %+v, want active and inhibited", r)
		}
	})

	t.Run("logind hint never set", func(t *testing.T) {
		system := startBus(t)
		serveLogind(t, system, &fakeLogind{blockInhibited: "sleep"})
		d := openTest(t, linuxEnv{systemBus: system})
		if d.Name() != "none" {
			t.Fatalf("backend %q, want none: a hint that is never set says nothing", d.Name())
		}
		_, err := d.Idle(t.Context())
		if !strings.Contains(err.Error(), "logind: "+errHintNeverSet.Error()) {
			t.Fatalf("reason %v", err)
		}
	})

	t.Run("nothing on either bus", func(t *testing.T) {
		session, system := startBus(t), startBus(t)
		d := openTest(t, linuxEnv{sessionBus: session, systemBus: system})
		if d.Name() != "none" {
			t.Fatalf("backend %q", d.Name())
		}
		r, err := d.Idle(t.Context())
		if !errors.Is(err, ErrUnknown) || r != (Reading{}) {
			t.Fatalf("got %+v, %v", r, err)
		}
		for _, want := range []string{
			"x11: DISPLAY is not set",
			`gnome-mutter: Name "org.gnome.Mutter.IdleMonitor" does not exist`,
			"freedesktop-screensaver: /org/freedesktop/ScreenSaver: ",
			"freedesktop-screensaver: /ScreenSaver: ",
			"logind: find session: by pid: ",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("reason lacks %q:\n%v", want, err)
			}
		}
	})

	t.Run("no buses", func(t *testing.T) {
		d := openTest(t, linuxEnv{display: ":0", wayland: true, systemBus: "unix:path=/nonexistent/bus"})
		_, err := d.Idle(t.Context())
		for _, want := range []string{"x11: skipped on a Wayland session", "session bus: no address", "system bus: "} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("reason lacks %q:\n%v", want, err)
			}
		}
	})
}

func TestDBusInhibitors(t *testing.T) {
	bus := startBus(t)
	serveMutter(t, bus, 600_000)
	gnome, kde := &fakeInhibitor{}, &fakeInhibitor{}
	serve(t, bus, "org.gnome.SessionManager", "/org/gnome/SessionManager", "org.gnome.SessionManager", gnome)
	serve(t, bus, "org.kde.Solid.PowerManagement", "/org/kde/Solid/PowerManagement/PolicyAgent",
		"org.kde.Solid.PowerManagement.PolicyAgent", kde)
	d := openTest(t, linuxEnv{sessionBus: bus})

	if r := mustIdle(t, d); r != (Reading{Idle: 10 * time.Minute}) {
		t.Fatalf("no inhibitor: %+v", r)
	}
	if gnome.flags.Load() != 8 || kde.flags.Load() != 4 {
		t.Fatalf("asked GNOME about flags %d (want 8, idle), KDE about %d (want 4, ChangeScreenSettings)",
			gnome.flags.Load(), kde.flags.Load())
	}
	gnome.on.Store(true)
	if r := mustIdle(t, d); !r.Inhibited || r.Idle != 10*time.Minute {
		t.Fatalf("GNOME inhibitor: %+v", r)
	}
	gnome.on.Store(false)
	kde.on.Store(true)
	if r := mustIdle(t, d); !r.Inhibited {
		t.Fatalf("KDE inhibitor: %+v", r)
	}

	tr := NewTracker(d, WithThreshold(time.Minute))
	if st := tr.Poll(t.Context()); st.State != StateActive || !st.Inhibited || st.Backend != "gnome-mutter" {
		t.Fatalf("tracker: %+v", st)
	}
	kde.on.Store(false)
	if st := tr.Poll(t.Context()); st.State != StateAFK {
		t.Fatalf("tracker after release: %+v", st)
	}
}

func TestDBusHungServiceDoesNotHangCaller(t *testing.T) {
	bus := startBus(t)
	f := serveMutter(t, bus, 1000)
	d := openTest(t, linuxEnv{sessionBus: bus})
	if d.Name() != "gnome-mutter" {
		t.Fatalf("backend %q", d.Name())
	}
	f.hang.Store(true)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := d.Idle(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnknown) {
		t.Fatalf("err %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Fatalf("Idle took %v on a hung service", took)
	}
}

func TestDBusHungBusDoesNotHangOpen(t *testing.T) {
	bus, daemon := startBusProcess(t)
	// start's cleanup resumes the daemon before stopping it.
	if err := daemon.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	d := openTest(t, linuxEnv{sessionBus: bus})
	if took := time.Since(start); took > 3*callTimeout {
		t.Fatalf("Open took %v on a stopped bus", took)
	}
	_, err := d.Idle(t.Context())
	if d.Name() != "none" || !strings.Contains(err.Error(), "session bus: context deadline exceeded") {
		t.Fatalf("backend %q, err %v", d.Name(), err)
	}
}

func TestOpenFromEnvironment(t *testing.T) {
	bus := startBus(t)
	serveMutter(t, bus, 1500)
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "wayland-0")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/system_bus_socket")
	d := Open(t.Context())
	defer d.Close()
	if d.Name() != "gnome-mutter" {
		t.Fatalf("backend %q", d.Name())
	}
	if r := mustIdle(t, d); r.Idle != 1500*time.Millisecond {
		t.Fatalf("got %+v", r)
	}
}

func TestLogindIdle(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	mono := 1000 * time.Second
	for _, tc := range []struct {
		name      string
		hint      bool
		mono, rt  uint64
		want      time.Duration
		wantError bool
	}{
		{name: "never set", wantError: true},
		{name: "active", hint: false, mono: 5e8, rt: 1, want: 0},
		{name: "idle, monotonic", hint: true, mono: uint64((mono - 90*time.Second).Microseconds()), rt: 1, want: 90 * time.Second},
		{name: "idle, realtime only", hint: true, rt: uint64(now.Add(-2 * time.Minute).UnixMicro()), want: 2 * time.Minute},
		{name: "since in the future", hint: true, mono: uint64((mono + time.Second).Microseconds()), want: 0},
	} {
		got, err := logindIdle(tc.hint, tc.mono, tc.rt, mono, now)
		if (err != nil) != tc.wantError || got != tc.want {
			t.Errorf("%s: got %v, %v; want %v (error %v)", tc.name, got, err, tc.want, tc.wantError)
		}
	}
}
