package runs

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"sysmon/llm"
	"sysmon/sampler"
)

func TestActiveRecordsOneRunAtATime(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := NewActive(st)
	if _, ok, _ := a.Stop(nil); ok {
		t.Fatal("stopped a run that was never started")
	}
	a.Add(&sampler.Sample{Time: time.Now()}) // no run: ignored
	if err := a.Start("q4", []string{"llama-cli", "-m", "q4.gguf"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Start("q8", nil, nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("second start: %v, want ErrBusy", err)
	}
	if label, _, ok := a.Current(); !ok || label != "q4" {
		t.Errorf("current %q %v", label, ok)
	}
	for i, cpu := range []float64{20, 40} {
		v := cpu
		a.Add(&sampler.Sample{Time: time.Now().Add(time.Duration(i) * time.Second), CPU: &sampler.CPU{TotalPercent: &v}})
	}
	code := 0
	id, ok, err := a.Stop(&code)
	if err != nil || !ok {
		t.Fatalf("stop: %v %v", ok, err)
	}
	got, err := st.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateDone || got.Samples != 2 || got.CPUAvgPercent == nil || *got.CPUAvgPercent != 30 || *got.ExitCode != 0 {
		t.Errorf("run %+v", got)
	}
}

func TestStopAfterNextKeepsTheLastSample(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := NewActive(st)
	tok := &fixedTokens{}
	if err := a.Start("run", []string{"llama-cli"}, tok); err != nil {
		t.Fatal(err)
	}
	code := 3
	a.StopAfterNext(&code)
	if _, _, ok := a.Current(); !ok {
		t.Fatal("the run ended before its last sample")
	}
	// The command's summary was printed as it exited: it reaches the run
	// through the flush at its end, and the console's statistics (another
	// run's) do not.
	tok.st = llm.Stats{GeneratedTokens: i64(1000)}
	other := int64(7)
	a.Add(&sampler.Sample{Time: time.Now(), LLM: &sampler.LLM{Console: &llm.Stats{GeneratedTokens: &other, PromptTokens: &other}}})
	if !tok.flushed {
		t.Error("the run's token parser was not flushed as it ended")
	}
	if _, _, ok := a.Current(); ok {
		t.Fatal("the run did not end after the next sample")
	}
	list, err := st.List(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("list %v %v", list, err)
	}
	r := list[0]
	if r.State != StateDone || r.ExitCode == nil || *r.ExitCode != 3 || r.GeneratedTokens == nil || *r.GeneratedTokens != 1000 ||
		r.PromptTokens != nil {
		t.Errorf("run %+v", r)
	}
}
