//go:build !linux

package tray

import "context"

// Windows' notification area and the macOS menu bar are always there.
func hostPresent(context.Context) (bool, string) { return true, "" }
