package idle

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Every X connection, bus connection and child process a test starts
	// must be gone when it ends.
	goleak.VerifyTestMain(m)
}

type fakeResource struct{ closed atomic.Bool }

func (r *fakeResource) Close() error { r.closed.Store(true); return nil }

func fixed(d time.Duration, err error) func(context.Context) (time.Duration, error) {
	return func(context.Context) (time.Duration, error) { return d, err }
}

func TestAssemblePicksFirstWorkingSource(t *testing.T) {
	resA, resB, resInh, resUnused := &fakeResource{}, &fakeResource{}, &fakeResource{}, &fakeResource{}
	var inhibited atomic.Bool
	var flaky atomic.Bool
	d := assemble(t.Context(),
		[]source{
			{name: "a", idle: fixed(0, errors.New("not running")), res: resA},
			{name: "b", idle: fixed(42*time.Second, nil), res: resB},
			{name: "c", idle: fixed(time.Second, nil)},
		},
		[]inhibitor{
			{name: "gone", active: func(context.Context) (bool, error) { return false, errors.New("no such service") }, res: resUnused},
			{name: "flaky", res: resInh, active: func(context.Context) (bool, error) {
				if flaky.Load() {
					return false, errors.New("restarting")
				}
				return false, nil
			}},
			{name: "on", res: resInh, active: func(context.Context) (bool, error) { return inhibited.Load(), nil }},
		},
		[]resource{resA, resB, resInh, resUnused},
		[]string{"x: skipped"})

	if d.Name() != "b" {
		t.Fatalf("chose %q, want b", d.Name())
	}
	if !resA.closed.Load() || !resUnused.closed.Load() || resB.closed.Load() || resInh.closed.Load() {
		t.Fatalf("closed a=%v unused=%v b=%v inh=%v; want only the unused ones closed",
			resA.closed.Load(), resUnused.closed.Load(), resB.closed.Load(), resInh.closed.Load())
	}
	r, err := d.Idle(t.Context())
	if err != nil || r != (Reading{Idle: 42 * time.Second}) {
		t.Fatalf("Idle = %+v, %v", r, err)
	}
	inhibited.Store(true)
	flaky.Store(true)
	r, err = d.Idle(t.Context())
	if err != nil || !r.Inhibited {
		t.Fatalf("an inhibitor failing must not hide another's answer: %+v, %v", r, err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if !resB.closed.Load() || !resInh.closed.Load() {
		t.Fatal("Close left resources open")
	}
	if _, err := d.Idle(t.Context()); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Idle after Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestAssembleNothingWorks(t *testing.T) {
	res := &fakeResource{}
	d := assemble(t.Context(),
		[]source{
			{name: "a", idle: fixed(0, errors.New("not running")), res: res},
			{name: "b", idle: func(ctx context.Context) (time.Duration, error) {
				<-ctx.Done() // a hung service: the probe must give up on its own
				return 0, ctx.Err()
			}},
		},
		[]inhibitor{{name: "i", active: func(context.Context) (bool, error) { return true, nil }}},
		[]resource{res},
		[]string{"x11: DISPLAY is not set"})
	if d.Name() != "none" {
		t.Fatalf("name %q", d.Name())
	}
	if !res.closed.Load() {
		t.Fatal("resource left open")
	}
	r, err := d.Idle(t.Context())
	if !errors.Is(err, ErrUnknown) || r != (Reading{}) {
		t.Fatalf("Idle = %+v, %v; want ErrUnknown", r, err)
	}
	for _, want := range []string{"x11: DISPLAY is not set", "a: not running", "b: context deadline exceeded"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("reason %q lacks %q", err, want)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := assemble(t.Context(), nil, nil, nil, nil).Idle(t.Context()); !errors.Is(err, ErrUnknown) {
		t.Fatalf("no backends at all: %v", err)
	}
}

func TestDetectorIdleRespectsContext(t *testing.T) {
	var hang atomic.Bool
	d := assemble(t.Context(), []source{{name: "s", idle: func(ctx context.Context) (time.Duration, error) {
		if hang.Load() {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return time.Second, nil
	}}}, nil, nil, nil)
	defer d.Close()
	hang.Store(true)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := d.Idle(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnknown) {
		t.Fatalf("err %v", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Fatalf("took %v", time.Since(start))
	}
	// Without a deadline of its own the call still ends, after callTimeout.
	start = time.Now()
	if _, err := d.Idle(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if took := time.Since(start); took < callTimeout || took > 3*callTimeout {
		t.Fatalf("took %v, want about %v", took, callTimeout)
	}
}

func TestScaledSaturates(t *testing.T) {
	if got := scaled(1500, time.Millisecond); got != 1500*time.Millisecond {
		t.Fatalf("got %v", got)
	}
	if got := scaled(math.MaxUint64, time.Millisecond); got != math.MaxInt64 {
		t.Fatalf("got %v, want saturation", got)
	}
}
