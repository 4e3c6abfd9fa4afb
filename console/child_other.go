//go:build !unix

package console

import (
	"os"
	"os/exec"
	"time"
)

// ownProcessGroup does nothing here: without unix process groups, cancelling
// reaches only the child itself.
func ownProcessGroup(*exec.Cmd) {}

// terminate kills p at once, there being no SIGTERM to offer it first, and
// reports whether p was still running.
func terminate(p *os.Process, _ time.Duration) bool {
	return p.Kill() == nil
}
