// Package idle tells whether the person is at the machine: how long since the
// last input to the whole desktop, whether something asks the desktop to stay
// awake, and an AFK state machine on top of that.
//
// Open probes the backends of the platform in order and keeps the first one
// that answers. When none answers, the Detector it returns says "unknown" and
// carries every backend's reason; it never reports 0 or a time that only
// grows in place of an answer.
//
// Idle time, by backend (in probe order):
//
//   - "x11" (Linux): MIT-SCREEN-SAVER QueryInfo on the root window,
//     MsSinceUserInput, over one X connection kept open between calls (pure Go,
//     github.com/jezek/xgb). Skipped on a Wayland session (WAYLAND_DISPLAY set
//     or XDG_SESSION_TYPE=wayland): XWayland only sees input sent to X clients,
//     so its idle time would grow while the person types into Wayland windows.
//   - "gnome-mutter" (Linux, session bus): org.gnome.Mutter.IdleMonitor
//     GetIdletime on /org/gnome/Mutter/IdleMonitor/Core, in milliseconds.
//   - "freedesktop-screensaver" (Linux, session bus): org.freedesktop.ScreenSaver
//     GetSessionIdleTime, in seconds, on /org/freedesktop/ScreenSaver and then
//     /ScreenSaver (KDE exports the short path).
//   - "logind" (Linux, system bus), the coarse fallback: IdleHint and
//     IdleSinceHintMonotonic (or IdleSinceHint) of the caller's session, or of
//     the user's graphical session when the caller runs outside one (a user
//     service). The desktop sets the hint only after its own idle delay, so the
//     idle time counts from that moment and reads 0 while the hint is off; a
//     session whose hint was never set (IdleSinceHint 0) is treated as not
//     reporting at all.
//   - "windows": GetLastInputInfo against GetTickCount (user32/kernel32). It
//     sees the input of the calling process's session, so a service running in
//     session 0 does not see the desktop.
//   - "macos-iokit": HIDIdleTime of IOHIDSystem, read from `ioreg -r -c
//     IOHIDSystem -d 1` (no cgo), in nanoseconds.
//
// Presence beyond input: an active idle inhibitor (a video playing, a
// presentation) makes Reading.Inhibited true and the Tracker counts that as
// present. Every inhibitor that answers during Open is asked on each call,
// whichever backend supplies the idle time:
//
//   - org.gnome.SessionManager IsInhibited(8), 8 being the "idle" flag
//     (session bus, GNOME).
//   - org.kde.Solid.PowerManagement.PolicyAgent HasInhibition(4), 4 being
//     ChangeScreenSettings, which is what org.freedesktop.ScreenSaver Inhibit
//     takes on KDE (session bus).
//   - systemd-logind BlockInhibited containing "idle" (system bus; system-wide,
//     as taken by `systemd-inhibit --what=idle`).
//   - X11: the screen saver reported as disabled (QueryInfo State Disabled)
//     after it was seen enabled on this connection, which is how older players
//     switch it off while playing. A saver that is disabled from the start is
//     a setting (`xset s off`), not an inhibitor, and does not count: counting
//     it would keep such a desktop present forever.
//   - macOS: PreventUserIdleDisplaySleep in `pmset -g assertions`.
//
// org.freedesktop.ScreenSaver has no standard call that lists inhibitors, and
// its GetActive means the screen saver or lock screen is running, which is
// evidence of absence rather than presence, so neither is used as one.
// Windows offers no query for other processes' display requests, so it has
// no inhibitor.
//
// Every call is bounded by its context and by a one second default, so a hung
// X server or bus cannot stall the caller; a stuck X connection is dropped and
// dialled again on the next call.
package idle
