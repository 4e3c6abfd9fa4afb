package idle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"
)

// ErrUnknown is the sentinel every Detector.Idle error wraps: the idle time
// cannot be known right now, and the error text says why.
var ErrUnknown = errors.New("idle time unknown")

// callTimeout bounds one Idle call (the idle query and the inhibitor queries
// together) and each probe in Open, whatever deadline the caller's context has
// or lacks.
const callTimeout = time.Second

// Reading is one answer from a Detector.
type Reading struct {
	// Idle is the time since the last keyboard or pointer input to the desktop.
	Idle time.Duration
	// Inhibited is true while something asks the desktop not to go idle.
	Inhibited bool
}

// Detector reports the time since the last user input.
type Detector interface {
	// Idle returns the current reading. Its errors wrap ErrUnknown.
	Idle(ctx context.Context) (Reading, error)
	// Name names the backend in use ("x11", "gnome-mutter", ...), or "none".
	Name() string
	// Close releases the connections the backend holds.
	Close() error
}

// Open probes the platform's backends in order and returns the first that
// answers. It never fails: when nothing answers, the Detector's Name is
// "none" and Idle returns ErrUnknown with every backend's reason. ctx bounds
// the probing.
func Open(ctx context.Context) Detector {
	return openPlatform(ctx)
}

// source is one backend able to tell the idle time.
type source struct {
	name string
	idle func(ctx context.Context) (time.Duration, error)
	// res is the connection the source needs; nil when it needs none.
	res resource
}

// inhibitor is one way of asking whether an idle inhibitor is active.
type inhibitor struct {
	name   string
	active func(ctx context.Context) (bool, error)
	res    resource
}

// resource is a connection shared by sources and inhibitors; Open closes the
// ones nothing it keeps uses.
type resource interface {
	Close() error
}

// assemble picks the first source that answers, keeps the inhibitors that
// answer, and closes the resources left unused. reasons carries what was
// already known not to work.
func assemble(ctx context.Context, sources []source, inhibitors []inhibitor, resources []resource, reasons []string) Detector {
	var chosen *source
	for i := range sources {
		if _, err := probe(ctx, sources[i].idle); err != nil {
			reasons = append(reasons, sources[i].name+": "+err.Error())
			continue
		}
		chosen = &sources[i]
		break
	}
	d := &detector{}
	used := map[resource]bool{}
	if chosen != nil {
		d.src = *chosen
		used[chosen.res] = true
		for _, in := range inhibitors {
			if _, err := probe(ctx, in.active); err != nil {
				slog.Debug("idle: inhibitor not available", "inhibitor", in.name, "err", err)
				continue
			}
			d.inhibitors = append(d.inhibitors, in)
			used[in.res] = true
		}
	}
	for _, r := range resources {
		if used[r] {
			d.resources = append(d.resources, r)
		} else {
			r.Close()
		}
	}
	if chosen == nil {
		if len(reasons) == 0 {
			reasons = []string{"no backend"}
		}
		return unknownDetector{err: fmt.Errorf("%w: %s", ErrUnknown, strings.Join(reasons, "; "))}
	}
	return d
}

func probe[T any](ctx context.Context, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return f(ctx)
}

// detector is a working backend plus the inhibitors that answered.
type detector struct {
	src        source
	inhibitors []inhibitor
	resources  []resource

	// mu lets Close wait for calls in flight, so that no backend dials again
	// after its connection was closed.
	mu     sync.RWMutex
	closed bool
}

func (d *detector) Name() string { return d.src.name }

func (d *detector) Idle(ctx context.Context) (Reading, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return Reading{}, fmt.Errorf("%w: %s: detector closed", ErrUnknown, d.src.name)
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	idle, err := d.src.idle(ctx)
	if err != nil {
		return Reading{}, fmt.Errorf("%w: %s: %w", ErrUnknown, d.src.name, err)
	}
	r := Reading{Idle: max(idle, 0)}
	for _, in := range d.inhibitors {
		on, err := in.active(ctx)
		if err != nil {
			// An inhibitor that stops answering (its service restarted) must
			// not cost the idle time the backend did deliver.
			slog.Debug("idle: inhibitor query failed", "inhibitor", in.name, "err", err)
			continue
		}
		if on {
			r.Inhibited = true
			break
		}
	}
	return r, nil
}

func (d *detector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	for _, r := range d.resources {
		errs = append(errs, r.Close())
	}
	return errors.Join(errs...)
}

// unknownDetector is what Open returns when no backend answers.
type unknownDetector struct{ err error }

func (u unknownDetector) Idle(context.Context) (Reading, error) { return Reading{}, u.err }
func (unknownDetector) Name() string                            { return "none" }
func (unknownDetector) Close() error                            { return nil }

// scaled converts a count of unit into a Duration, saturating instead of
// overflowing on absurd values from a misbehaving service.
func scaled(n uint64, unit time.Duration) time.Duration {
	if n > uint64(math.MaxInt64/int64(unit)) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(n) * unit
}
