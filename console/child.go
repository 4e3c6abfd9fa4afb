package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultGrace is how long a cancelled child has to exit after SIGTERM before
// SIGKILL, and how long Wait waits for output from processes the child left
// behind holding its pipes.
const DefaultGrace = 5 * time.Second

// Child runs a program and mirrors its output into a Buffer, line by line and
// with the base name of the program as Source, while passing it to the
// terminal. Set the exported fields before Start.
type Child struct {
	Name string
	Args []string
	// Dir and Env are as in exec.Cmd.
	Dir string
	Env []string
	// Stdout and Stderr receive the child's output unchanged; nil means the
	// terminal (see Terminal).
	Stdout, Stderr io.Writer
	// Grace is the time between SIGTERM and SIGKILL; 0 means DefaultGrace.
	Grace time.Duration

	buf    *Buffer
	source string

	// hookMu serializes the hooks: stdout and stderr are read by two
	// goroutines, but a consumer sees one sequence of lines.
	hookMu sync.Mutex
	hooks  []func(Line)

	mu      sync.Mutex
	writers []*Writer
	ctx     context.Context
	cmd     *exec.Cmd
	readers []*os.File
	pumps   []chan struct{}
	// finished tells the watcher that Wait is done; watchDone that the
	// watcher is.
	finished  chan struct{}
	watchDone chan struct{}
	cancelled atomic.Bool

	waitOnce sync.Once
	exitCode int
	waitErr  error
}

// NewChild returns a Child that will run name with args, mirrored into b.
func NewChild(b *Buffer, name string, args ...string) *Child {
	source := strings.TrimSuffix(filepath.Base(name), ".exe")
	return &Child{Name: name, Args: args, buf: b, source: source}
}

// Run runs name with args like Child.Run.
func Run(ctx context.Context, b *Buffer, name string, args ...string) (exitCode int, err error) {
	return NewChild(b, name, args...).Run(ctx)
}

// Source returns the Source of the child's lines: the base name of the
// program given to NewChild, without ".exe".
func (c *Child) Source() string { return c.source }

// OnLine registers fn to receive each line of the child's stdout and stderr
// once it is in the buffer, in the order they were stored; calls are never
// concurrent. fn runs on a goroutine that reads the child's output: while it
// runs, that output waits in the pipe, so fn must be quick, and it must not
// call OnLine.
func (c *Child) OnLine(fn func(Line)) {
	c.hookMu.Lock()
	defer c.hookMu.Unlock()
	c.hooks = append(c.hooks, fn)
}

func (c *Child) dispatch(l Line) {
	c.hookMu.Lock()
	defer c.hookMu.Unlock()
	for _, fn := range c.hooks {
		fn(l)
	}
}

// Run starts the child and waits for it; see Start and Wait.
func (c *Child) Run(ctx context.Context) (exitCode int, err error) {
	if err := c.Start(ctx); err != nil {
		return -1, err
	}
	return c.Wait()
}

// Start starts the child in a process group of its own, so that cancelling
// ctx can end it and everything it started: SIGTERM to the group, then
// SIGKILL after the grace period. Its stdin is the null device.
func (c *Child) Start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return fmt.Errorf("start %s: already started", c.Name)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("start %s: %w", c.Name, err)
	}
	cmd := exec.Command(c.Name, c.Args...)
	if cmd.Err != nil {
		// exec's own message quotes the name inside "exec: ..."; the user
		// typed the name, so say it plainly.
		var ee *exec.Error
		if errors.As(cmd.Err, &ee) {
			return fmt.Errorf("start %s: %w", c.Name, ee.Err)
		}
		return fmt.Errorf("start %s: %w", c.Name, cmd.Err)
	}
	cmd.Dir, cmd.Env = c.Dir, c.Env
	ownProcessGroup(cmd)

	termOut, termErr := Terminal()
	if c.Stdout != nil {
		termOut = c.Stdout
	}
	if c.Stderr != nil {
		termErr = c.Stderr
	}
	// The child writes straight into pipes this process reads, rather than
	// through exec's copying goroutines, so that Wait returns when the child
	// exits even if a grandchild keeps the pipes open.
	var writeEnds []*os.File
	closeAll := func(fs []*os.File) {
		for _, f := range fs {
			f.Close()
		}
	}
	for range 2 {
		r, w, err := os.Pipe()
		if err != nil {
			closeAll(c.readers)
			closeAll(writeEnds)
			c.readers = nil
			return fmt.Errorf("start %s: %w", c.Name, err)
		}
		c.readers = append(c.readers, r)
		writeEnds = append(writeEnds, w)
	}
	cmd.Stdout, cmd.Stderr = writeEnds[0], writeEnds[1]
	err := cmd.Start()
	closeAll(writeEnds)
	if err != nil {
		closeAll(c.readers)
		c.readers = nil
		// "fork/exec NAME: no such file or directory" repeats the name.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("start %s: %w", c.Name, err)
	}
	c.cmd, c.ctx = cmd, ctx
	for i, term := range []io.Writer{termOut, termErr} {
		r, w := c.readers[i], c.buf.Writer(c.source)
		w.OnLine(c.dispatch)
		done := make(chan struct{})
		c.writers = append(c.writers, w)
		c.pumps = append(c.pumps, done)
		go func() {
			defer close(done)
			pump(r, term, w)
		}()
	}
	c.finished, c.watchDone = make(chan struct{}), make(chan struct{})
	go c.watch()
	return nil
}

// Pid returns the child's process id, which is also its process group id on
// unix, or 0 before Start.
func (c *Child) Pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

func (c *Child) watch() {
	defer close(c.watchDone)
	select {
	case <-c.finished:
		return
	case <-c.ctx.Done():
	}
	// The flag is set only if a signal reached the group, so that a child that
	// ended by itself just before the cancel is not reported as cancelled.
	if terminate(c.cmd.Process, c.grace()) {
		c.cancelled.Store(true)
	}
}

func (c *Child) grace() time.Duration {
	if c.Grace > 0 {
		return c.Grace
	}
	return DefaultGrace
}

// Wait waits for the child to exit and for its output to be stored, and
// returns its exit status. err is nil when the child exited by itself,
// whatever the status; it says so when ctx ended the child (wrapping the
// context's cause) or a signal killed it, and exitCode is then -1.
//
// Processes the child left running keep its pipes open; Wait stops reading
// them after the grace period rather than waiting for them. Wait must be
// called once the child is started, to release its pipes; later calls return
// the same result.
func (c *Child) Wait() (exitCode int, err error) {
	c.mu.Lock()
	cmd := c.cmd
	c.mu.Unlock()
	if cmd == nil {
		return -1, fmt.Errorf("%s: not started", c.Name)
	}
	c.waitOnce.Do(func() { c.exitCode, c.waitErr = c.wait(cmd) })
	return c.exitCode, c.waitErr
}

func (c *Child) wait(cmd *exec.Cmd) (int, error) {
	werr := cmd.Wait()

	drain := time.NewTimer(c.grace())
	defer drain.Stop()
	for i, done := range c.pumps {
		select {
		case <-done:
		case <-drain.C:
			// Closing the rest ends their pumps' reads.
			for _, r := range c.readers[i:] {
				r.Close()
			}
			<-done
		}
	}
	for i, r := range c.readers {
		<-c.pumps[i]
		r.Close()
		c.writers[i].Flush()
	}
	close(c.finished)
	<-c.watchDone

	code := cmd.ProcessState.ExitCode()
	switch {
	case c.cancelled.Load():
		return code, fmt.Errorf("%s: %w", c.Name, context.Cause(c.ctx))
	case werr == nil:
		return code, nil
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) && code >= 0 {
		return code, nil
	}
	return code, fmt.Errorf("%s: %w", c.Name, werr)
}

// pump copies a stream to the terminal and into a Writer until it ends.
func pump(r io.Reader, term io.Writer, w *Writer) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			// A terminal that went away must not stop the mirroring.
			_, _ = term.Write(buf[:n])
			_, _ = w.Write(buf[:n])
		}
		if err != nil {
			return
		}
	}
}
