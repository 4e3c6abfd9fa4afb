//go:build !unix

package console

import (
	"fmt"
	"os"
)

// redirectsFDs is false: here only the os.Stdout and os.Stderr variables are
// replaced, and fatal errors still reach the original stderr by themselves.
const redirectsFDs = false

// redirect replaces os.Stdout (fd 1) or os.Stderr (fd 2) with the write end
// of a pipe. Code that saved the old value, C code and child processes given
// the old handle are not captured.
func redirect(fd int) (*captured, error) {
	target := &os.Stdout
	if fd == 2 {
		target = &os.Stderr
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", (*target).Name(), err)
	}
	term := *target
	*target = w
	return &captured{
		r:    r,
		term: term,
		undo: func() error {
			*target = term
			return w.Close()
		},
		// term is the process's own stdout or stderr: it stays open.
		release: func() {},
	}, nil
}
