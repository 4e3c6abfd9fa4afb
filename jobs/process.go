package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"sysmon/console"
	"sysmon/format"
	"sysmon/procs"
)

// ErrPauseUnsupported is returned by Pause where a process group cannot be
// stopped and continued (Windows).
var ErrPauseUnsupported = errors.New("pausing a job is not supported on this platform")

// Process is one started attempt of a job.
type Process interface {
	// PID is the process id, which is also its process group id on Unix.
	PID() int
	// PIDStart is the process's start time as the OS counts it (0 where
	// unknown), stored so that a later sysmon can tell it from a new
	// process with the same id.
	PIDStart() uint64
	// Pause stops the whole process group; Continue resumes it.
	Pause() error
	Continue() error
	// Stop ends the process group (SIGTERM, then SIGKILL after the grace
	// period) without waiting; Done is closed once it is gone.
	Stop()
	Done() <-chan struct{}
	// Result is the exit code and why it was not a plain exit, once Done
	// is closed.
	Result() (exitCode int, err error)
}

// Starter starts a job's process. The Runner starts real ones; tests use
// fakes.
type Starter interface {
	// Start starts j; onLine, if set, gets every line this attempt prints
	// (its run's own token parser).
	Start(j Job, onLine func(console.Line)) (Process, error)
}

// Runner starts each job in a process group of its own, with its output
// appended to the job's log file and mirrored into the console buffer, line
// by line, to OnLine (the LLM token parser).
type Runner struct {
	Console *console.Buffer
	// OnLine, if set, gets every line the job prints; it must be quick.
	OnLine func(console.Line)
	// Grace is the time between SIGTERM and SIGKILL when a job is stopped;
	// 0 means console.DefaultGrace.
	Grace time.Duration
}

// Start starts j with its conditions already checked. The log file gets a
// header line for each attempt, so that a requeued job's attempts can be
// told apart.
func (r *Runner) Start(j Job, onLine func(console.Line)) (Process, error) {
	if len(j.Argv) == 0 {
		return nil, errors.New("job has no command")
	}
	log, err := os.OpenFile(j.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open job log: %w", err)
	}
	fmt.Fprintf(log, "=== sysmon: attempt %d of job %d started %s: %s\n",
		j.Attempts+1, j.ID, time.Now().Format(time.RFC3339), format.CommandLine(j.Argv))
	child := console.NewChild(r.Console, j.Argv[0], j.Argv[1:]...)
	child.Dir = j.Dir
	child.Env = append(os.Environ(), j.Env...)
	capped := &cappedLog{w: log, left: maxLogAttempt}
	child.Stdout, child.Stderr = capped, capped
	child.Grace = r.Grace
	if r.OnLine != nil || onLine != nil {
		child.OnLine(func(l console.Line) {
			if r.OnLine != nil {
				r.OnLine(l)
			}
			if onLine != nil {
				onLine(l)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := child.Start(ctx); err != nil {
		fmt.Fprintf(log, "=== sysmon: could not start: %v\n", err)
		log.Close()
		cancel()
		return nil, err
	}
	p := &process{child: child, pid: child.Pid(), cancel: cancel, done: make(chan struct{})}
	p.start, _ = procs.StartTime(p.pid)
	go func() {
		defer close(p.done)
		defer cancel()
		p.code, p.err = child.Wait()
		how := fmt.Sprintf("exit code %d", p.code)
		if p.err != nil {
			how = p.err.Error() // ended by a signal, often sysmon's own stop
		}
		fmt.Fprintf(log, "=== sysmon: attempt ended %s: %s\n", time.Now().Format(time.RFC3339), how)
		log.Close()
	}()
	return p, nil
}

// maxLogAttempt bounds what one attempt writes to its job's log: a job
// stuck printing must not fill the disk.
const maxLogAttempt = 1 << 30

// cappedLog passes writes on until left bytes are used, then notes once
// that the rest is dropped; the mirror to the console goes on regardless.
// Stdout and stderr share it, hence the lock.
type cappedLog struct {
	mu   sync.Mutex
	w    io.Writer
	left int64
}

func (c *cappedLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.left < 0:
	case int64(len(p)) <= c.left:
		c.left -= int64(len(p))
		return c.w.Write(p)
	default:
		c.left = -1
		_, err := fmt.Fprintf(c.w, "\n=== sysmon: this attempt's log reached %d MiB; the rest of its output is not kept\n", maxLogAttempt>>20)
		return len(p), err
	}
	return len(p), nil
}

type process struct {
	child  *console.Child
	pid    int
	start  uint64
	cancel context.CancelFunc
	done   chan struct{}
	code   int
	err    error

	mu     sync.Mutex
	paused bool
}

func (p *process) PID() int                          { return p.pid }
func (p *process) PIDStart() uint64                  { return p.start }
func (p *process) Done() <-chan struct{}             { return p.done }
func (p *process) Result() (exitCode int, err error) { <-p.done; return p.code, p.err }

func (p *process) Pause() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := pauseGroup(p.pid); err != nil {
		return err
	}
	p.paused = true
	return nil
}

func (p *process) Continue() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := continueGroup(p.pid); err != nil {
		return err
	}
	p.paused = false
	return nil
}

// Stop continues a paused group first: a stopped process cannot act on
// SIGTERM, so it would only ever get the SIGKILL.
func (p *process) Stop() {
	p.mu.Lock()
	if p.paused {
		_ = continueGroup(p.pid)
		p.paused = false
	}
	p.mu.Unlock()
	p.cancel()
}
