package main

import (
	"errors"
	"os"
)

// checkDisplay fails early and plainly where Fyne would panic: a window
// needs an X11 or Wayland display.
func checkDisplay() error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display: neither DISPLAY nor WAYLAND_DISPLAY is set (on a headless machine use sysmon snapshot)")
	}
	return nil
}
