//go:build !unix && !windows

package procs

import (
	"errors"
	"fmt"
)

func sendSignal(pid int32, _ bool) error {
	return fmt.Errorf("signal process %d: %w", pid, errors.ErrUnsupported)
}
