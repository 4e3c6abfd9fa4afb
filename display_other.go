//go:build !linux

package main

// checkDisplay has nothing to check: Windows and macOS always have a desktop
// for a GUI program.
func checkDisplay() error { return nil }
