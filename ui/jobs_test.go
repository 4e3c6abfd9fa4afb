package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"sysmon/jobs"
)

func TestJobFromForm(t *testing.T) {
	dir := t.TempDir()
	j, err := jobFromForm(jobForm{cmd: `llama-bench -m "my model.gguf"`, dir: dir, awayFor: "10m",
		maxGPU: "20 %", minVRAM: "8GiB", maxCPU: "30", onReturn: string(jobs.ReturnStop), onAC: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(j.Argv, "|"); got != "llama-bench|-m|my model.gguf" {
		t.Errorf("argv = %q", got)
	}
	c := j.Conditions
	if j.Name != "llama-bench" || j.When != jobs.WhenIdle || j.OnReturn != jobs.ReturnStop || j.Dir != dir ||
		c.IdleFor == nil || c.IdleFor.Minutes() != 10 || *c.MaxGPUPercent != 20 || *c.MaxCPUPercent != 30 ||
		*c.MinFreeVRAM != 8<<30 || !c.OnAC {
		t.Errorf("job = %+v, conditions %+v", j, c)
	}

	sh, err := jobFromForm(jobForm{cmd: "echo a; echo b", shell: true, dir: dir, now: true, onReturn: string(jobs.ReturnPause)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sh.Argv, "|") != "/bin/sh|-c|echo a; echo b" || sh.When != jobs.WhenNow ||
		sh.Conditions.MaxGPUPercent != nil || sh.Conditions.MinFreeVRAM != nil {
		t.Errorf("shell job = %+v", sh)
	}

	home, _ := os.UserHomeDir()
	if h, err := jobFromForm(jobForm{cmd: "true", dir: "~", onReturn: string(jobs.ReturnPause)}); err != nil || h.Dir != filepath.Clean(home) {
		t.Errorf("~ = %q, %v; want %q", h.Dir, err, home)
	}
}

func TestJobFromFormRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		form jobForm
		want string
	}{
		{jobForm{cmd: "  ", dir: dir}, "type the command"},
		{jobForm{cmd: `echo "open`, dir: dir}, "quotes"},
		{jobForm{cmd: "true", dir: dir, maxGPU: "150"}, "GPU use"},
		{jobForm{cmd: "true", dir: dir, maxCPU: "lots"}, "CPU use"},
		{jobForm{cmd: "true", dir: dir, minVRAM: "eight"}, "free VRAM"},
		{jobForm{cmd: "true", dir: dir, awayFor: "5"}, "away for"},
		{jobForm{cmd: "true", dir: "relative/dir"}, "not an absolute path"},
		{jobForm{cmd: "true", dir: filepath.Join(dir, "missing")}, "working directory"},
	} {
		_, err := jobFromForm(c.form)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want one saying %q", c.form, err, c.want)
		}
	}
}

// TestJobsSelectionFollowsTheJob: when the list is reread in another order
// the selection stays on the same job, and a job that left clears it.
func TestJobsSelectionFollowsTheJob(t *testing.T) {
	a := test.NewApp()
	defer a.Quit()
	v := newJobsView(a.NewWindow("jobs"), jobActions{})
	list := []jobs.Job{{ID: 4, Name: "a"}, {ID: 5, Name: "b"}, {ID: 6, Name: "c"}}
	v.show(list, "")
	v.table.Select(widget.TableCellID{Row: 2, Col: 1})
	if v.selected != 6 {
		t.Fatalf("selected %d, want 6", v.selected)
	}
	v.show([]jobs.Job{list[0], list[2], list[1]}, "")
	if v.selected != 6 {
		t.Errorf("after reordering, selected %d, want 6", v.selected)
	}
	v.show([]jobs.Job{list[0], list[1]}, "")
	if v.selected != 0 {
		t.Errorf("after job 6 left, selected %d, want none", v.selected)
	}
}
