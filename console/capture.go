package console

import (
	"errors"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// captureDrain is how long Stop waits for output still in the pipes. A child
// process that inherited the captured stdout keeps the pipe open; Stop does
// not wait for it to exit.
const captureDrain = time.Second

// ErrCaptureActive is returned by StartCapture while another Capture runs:
// the process has one stdout to capture.
var ErrCaptureActive = errors.New("console: output is already captured")

// CaptureOptions configures StartCapture.
type CaptureOptions struct {
	// Stdout and Stderr receive the captured bytes unchanged, so that the
	// terminal still shows them. nil means the original stdout and stderr.
	Stdout, Stderr io.Writer
}

// Capture mirrors the process's stdout and stderr into a Buffer, as lines
// from SourceStdout and SourceStderr, and passes them on unchanged.
type Capture struct {
	stdout, stderr io.Writer
	streams        []*captured
	crashOutput    bool
	stopOnce       sync.Once
	stopErr        error
}

// captured is one redirected stream; the per-OS redirect fills in r, term,
// undo and release.
type captured struct {
	r       *os.File     // read end of the pipe that replaced the stream
	term    *os.File     // where the stream went before
	undo    func() error // puts the stream back
	release func()       // frees what the redirection held once the pump is done
	w       *Writer
	done    chan struct{}
}

var (
	captureMu sync.Mutex
	current   *Capture
)

// StartCapture redirects stdout and stderr into b until Stop. On unix it
// replaces file descriptors 1 and 2 themselves, so writes from any code,
// C libraries and inherited child processes included, are captured; on other
// systems it can only replace os.Stdout and os.Stderr. Since fatal Go errors
// go to file descriptor 2 and a dying process cannot pump a pipe, crash
// output is also sent straight to the original stderr with
// debug.SetCrashOutput, replacing any crash output set before; Stop unsets
// it.
func StartCapture(b *Buffer, opts CaptureOptions) (*Capture, error) {
	captureMu.Lock()
	defer captureMu.Unlock()
	if current != nil {
		return nil, ErrCaptureActive
	}
	c := &Capture{}
	for _, s := range []struct {
		fd     int
		source string
		pass   io.Writer
		dst    *io.Writer
	}{
		{1, SourceStdout, opts.Stdout, &c.stdout},
		{2, SourceStderr, opts.Stderr, &c.stderr},
	} {
		st, err := redirect(s.fd)
		if err != nil {
			c.stop()
			return nil, err
		}
		st.w = b.Writer(s.source)
		st.done = make(chan struct{})
		c.streams = append(c.streams, st)
		pass := s.pass
		if pass == nil {
			pass = st.term
		}
		*s.dst = pass
		go func() {
			defer close(st.done)
			pump(st.r, pass, st.w)
		}()
	}
	if redirectsFDs {
		if err := debug.SetCrashOutput(c.streams[1].term, debug.CrashOptions{}); err == nil {
			c.crashOutput = true
		}
	}
	current = c
	return c, nil
}

// Stdout returns where captured stdout is passed on: the original stdout
// unless CaptureOptions said otherwise. Output meant only for the terminal,
// not for the buffer, goes there.
func (c *Capture) Stdout() io.Writer { return c.stdout }

// Stderr is Stdout's counterpart for stderr.
func (c *Capture) Stderr() io.Writer { return c.stderr }

// Stop restores stdout and stderr, stores what was still in flight, and
// releases the pipes. It is safe to call more than once.
func (c *Capture) Stop() error {
	captureMu.Lock()
	defer captureMu.Unlock()
	c.stopOnce.Do(c.stop)
	if current == c {
		current = nil
	}
	return c.stopErr
}

func (c *Capture) stop() {
	var errs []error
	for _, st := range c.streams {
		errs = append(errs, st.undo())
	}
	if c.crashOutput {
		_ = debug.SetCrashOutput(nil, debug.CrashOptions{})
	}
	deadline := time.NewTimer(captureDrain)
	defer deadline.Stop()
	late := false
	for _, st := range c.streams {
		if !late {
			select {
			case <-st.done:
			case <-deadline.C:
				late = true
			}
		}
		if late {
			// Closing the read end ends the pump's Read on unix, where the
			// pipe is in the runtime's poller. Elsewhere the pump may have to
			// wait for the last writer, and Stop does not wait with it.
			st.r.Close()
			select {
			case <-st.done:
			case <-time.After(captureDrain):
			}
		}
		st.r.Close()
		st.w.Flush()
		st.release()
	}
	c.stopErr = errors.Join(errs...)
}

// Terminal returns where output meant for the user's terminal should go: the
// original stdout and stderr while a Capture runs (so that it is not captured
// a second time), os.Stdout and os.Stderr otherwise.
func Terminal() (stdout, stderr io.Writer) {
	captureMu.Lock()
	defer captureMu.Unlock()
	if current != nil {
		return current.stdout, current.stderr
	}
	return os.Stdout, os.Stderr
}
