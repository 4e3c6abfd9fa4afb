package console

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// helperEnv makes the test binary act as a child process for the tests that
// need one with known behaviour (see flood_test.go).
const helperEnv = "CONSOLE_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	goleak.VerifyTestMain(m)
}

// texts returns the Text of every line in b, oldest first.
func texts(b *Buffer) []string {
	var out []string
	for _, l := range b.LinesAfter(0, 0, nil) {
		out = append(out, l.Text)
	}
	return out
}
