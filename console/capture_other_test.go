//go:build !unix

package console

import "testing"

// writeFDs does nothing: without unix file descriptors, only os.Stdout and
// os.Stderr are captured.
func writeFDs(*testing.T) {}

func fdLines(string) []string { return nil }

func fdText(string) string { return "" }

func fdIdentity(*testing.T) string { return "" }
