package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"sysmon/idle"
)

// checkDisplay fails early and plainly where Fyne would panic: a window
// needs an X11 or Wayland display, and an X display that is set must answer.
func checkDisplay() error {
	x, wayland := os.Getenv("DISPLAY"), os.Getenv("WAYLAND_DISPLAY")
	if x == "" && wayland == "" {
		return errors.New("no display: neither DISPLAY nor WAYLAND_DISPLAY is set (on a headless machine use sysmon snapshot)")
	}
	if wayland != "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := idle.DialX11(ctx, x); err != nil {
		return fmt.Errorf("cannot open the X display %q: %w (is an X server running there, and may you use it?)", x, err)
	}
	return nil
}
