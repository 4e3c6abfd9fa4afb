// Package tray answers one question the window needs before it hides
// itself: is there really a system tray to come back from?
package tray

import "context"

// HostPresent reports whether a system tray host is running, with the reason
// when it is not. Fyne's tray icon fails quietly without a host, and a window
// hidden to a tray that does not exist can never be shown again.
func HostPresent(ctx context.Context) (bool, string) { return hostPresent(ctx) }
