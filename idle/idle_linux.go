package idle

import (
	"context"
	"os"
	"path/filepath"
)

// linuxEnv is what the Linux backends need from the environment, separate so
// tests can point them at their own X server and buses.
type linuxEnv struct {
	display string
	// wayland is true on a Wayland session, where X11 sees only XWayland
	// clients.
	wayland bool
	// sessionBus and systemBus are D-Bus addresses; "" when there is none.
	sessionBus, systemBus string
}

func envFromOS() linuxEnv {
	e := linuxEnv{
		display:    os.Getenv("DISPLAY"),
		wayland:    os.Getenv("WAYLAND_DISPLAY") != "" || os.Getenv("XDG_SESSION_TYPE") == "wayland",
		sessionBus: os.Getenv("DBUS_SESSION_BUS_ADDRESS"),
		systemBus:  os.Getenv("DBUS_SYSTEM_BUS_ADDRESS"),
	}
	if e.sessionBus == "" {
		// The address systemd user sessions use when the variable is not
		// exported. godbus would otherwise autolaunch a new bus, which has
		// no desktop on it.
		if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
				e.sessionBus = "unix:path=" + filepath.Join(dir, "bus")
			}
		}
	}
	if e.systemBus == "" {
		e.systemBus = "unix:path=/run/dbus/system_bus_socket"
	}
	return e
}

func openPlatform(ctx context.Context) Detector {
	return openLinux(ctx, envFromOS())
}

func openLinux(ctx context.Context, env linuxEnv) Detector {
	var (
		sources    []source
		inhibitors []inhibitor
		resources  []resource
		reasons    []string
	)
	switch {
	case env.wayland:
		reasons = append(reasons, "x11: skipped on a Wayland session (XWayland sees only input to X clients)")
	case env.display == "":
		reasons = append(reasons, "x11: DISPLAY is not set")
	default:
		x := newX11Source(env.display)
		sources = append(sources, x.source())
		inhibitors = append(inhibitors, x.inhibitor())
		resources = append(resources, x)
	}

	if session, err := openBus(ctx, "session bus", env.sessionBus); err == nil {
		sources = append(sources,
			mutterSource(session),
			screenSaverSource(session, "/org/freedesktop/ScreenSaver"),
			screenSaverSource(session, "/ScreenSaver"))
		inhibitors = append(inhibitors, gnomeInhibitor(session), kdeInhibitor(session))
		resources = append(resources, session)
	} else {
		reasons = append(reasons, err.Error())
	}

	if system, err := openBus(ctx, "system bus", env.systemBus); err == nil {
		l := &logind{conn: system}
		sources = append(sources, l.source())
		inhibitors = append(inhibitors, logindInhibitor(system))
		resources = append(resources, system)
	} else {
		reasons = append(reasons, err.Error())
	}

	return assemble(ctx, sources, inhibitors, resources, reasons)
}
