package ui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/google/shlex"

	"sysmon/format"
	"sysmon/jobs"
)

// jobsView is the Jobs tab: the idle job queue with each job's state and
// what it waits for, and the buttons that add, start, cancel, reorder and
// show the log of a job. The queue lives in the database, so the window
// shows and edits it whether it or sysmon daemon schedules it.
type jobsView struct {
	win      fyne.Window
	status   *widget.Label
	table    *widget.Table
	list     []jobs.Job
	selected int64 // job id; 0 when none
	content  fyne.CanvasObject
}

var jobColumns = []string{"ID", "Name", "State", "Since", "Command", "Detail"}

// jobActions are what the view's buttons ask of the queue; each runs off
// the UI thread and reloads the list when done.
type jobActions struct {
	add    func(jobs.Job)
	runNow func(id int64)
	cancel func(id int64)
	move   func(id int64, by int)
	log    func(id int64)
}

func newJobsView(win fyne.Window, act jobActions) *jobsView {
	v := &jobsView{win: win, status: widget.NewLabel("")}
	v.status.Wrapping = fyne.TextWrapWord
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.list), len(jobColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(v.list) {
				setText(o.(*widget.Label), jobCell(v.list[id.Row], id.Col))
			}
		})
	v.table.ShowHeaderColumn = false
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(jobColumns[id.Col])
		}
	}
	for i, w := range []float32{50, 160, 90, 130, 260, 395} {
		v.table.SetColumnWidth(i, w)
	}
	v.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(v.list) {
			v.selected = v.list[id.Row].ID
		}
	}
	// withSelected runs f on the selected job, or says to pick one.
	withSelected := func(f func(id int64)) func() {
		return func() {
			if v.selected == 0 {
				dialog.ShowInformation("Jobs", "Pick a job in the list first.", win)
				return
			}
			f(v.selected)
		}
	}
	add := widget.NewButton("Add job…", func() { v.showAdd(act.add) })
	add.Importance = widget.HighImportance
	cancel := withSelected(func(id int64) {
		j, ok := v.job(id)
		if !ok {
			return
		}
		what := fmt.Sprintf("Cancel job #%d %s? It will not run.", j.ID, j.Name)
		if j.State == jobs.StateRunning || j.State == jobs.StatePaused {
			what = fmt.Sprintf("Cancel job #%d %s? It is %s: its processes are ended.", j.ID, j.Name, j.State)
		}
		dialog.ShowConfirm("Cancel job", what, func(ok bool) {
			if ok {
				act.cancel(id)
			}
		}, win)
	})
	buttons := container.NewHBox(add,
		widget.NewButton("Run now", withSelected(act.runNow)),
		widget.NewButton("Cancel", cancel),
		widget.NewButton("Move up", withSelected(func(id int64) { act.move(id, -1) })),
		widget.NewButton("Move down", withSelected(func(id int64) { act.move(id, +1) })),
		widget.NewButton("Show log", withSelected(act.log)))
	v.content = container.NewBorder(container.NewVBox(buttons, v.status), nil, nil, nil, v.table)
	return v
}

// show replaces the list; who says which sysmon schedules the queue. The
// selection stays on the same job wherever it moved, so that the buttons
// never act on another one than the row that shows selected.
func (v *jobsView) show(list []jobs.Job, who string) {
	v.list = list
	if len(list) == 0 {
		who += " The queue is empty: Add job… (or sysmon queue add -- COMMAND) queues one; it runs while you are away."
	}
	setText(v.status, who)
	v.table.Refresh()
	if i := slices.IndexFunc(list, func(j jobs.Job) bool { return j.ID == v.selected }); i >= 0 {
		v.table.Select(widget.TableCellID{Row: i, Col: 1})
	} else {
		v.selected = 0
		v.table.UnselectAll()
	}
}

// job returns the listed job with id.
func (v *jobsView) job(id int64) (jobs.Job, bool) {
	i := slices.IndexFunc(v.list, func(j jobs.Job) bool { return j.ID == id })
	if i < 0 {
		return jobs.Job{}, false
	}
	return v.list[i], true
}

// jobCell is the text of one cell of the job table.
func jobCell(j jobs.Job, col int) string {
	switch col {
	case 0:
		return strconv.FormatInt(j.ID, 10)
	case 1:
		return j.Name
	case 2:
		return string(j.State)
	case 3:
		since := j.Created
		if !j.Ended.IsZero() {
			since = j.Ended
		} else if !j.Started.IsZero() {
			since = j.Started
		}
		return since.Local().Format("2006-01-02 15:04")
	case 4:
		return format.CommandLine(j.Argv)
	case 5:
		return j.Detail()
	}
	return ""
}

// showAdd asks for a new job and hands it to add once it is valid; a bad
// value is named in the dialog and nothing typed is lost.
func (v *jobsView) showAdd(add func(jobs.Job)) {
	name := widget.NewEntry()
	name.SetPlaceHolder("default: the command's name")
	cmd := widget.NewEntry()
	cmd.SetPlaceHolder("llama-bench -m /models/llama3-8b-q4_k_m.gguf")
	shell := widget.NewCheck("Run as a /bin/sh script", nil)
	dir := widget.NewEntry()
	if home, err := os.UserHomeDir(); err == nil {
		dir.SetText(home)
	}
	when := widget.NewRadioGroup([]string{"When I am away", "As soon as the conditions hold"}, nil)
	when.SetSelected("When I am away")
	awayFor := widget.NewEntry()
	awayFor.SetPlaceHolder("default: the AFK threshold")
	maxGPU := widget.NewEntry()
	maxGPU.SetPlaceHolder("e.g. 20 (%)")
	minVRAM := widget.NewEntry()
	minVRAM.SetPlaceHolder("e.g. 8GiB")
	maxCPU := widget.NewEntry()
	maxCPU.SetPlaceHolder("e.g. 30 (%)")
	onAC := widget.NewCheck("Only on mains power", nil)
	onReturn := widget.NewSelect([]string{string(jobs.ReturnPause), string(jobs.ReturnKeep), string(jobs.ReturnStop)}, nil)
	onReturn.SetSelected(string(jobs.ReturnPause))
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	problem.Hide()

	form := widget.NewForm(
		widget.NewFormItem("Command", cmd),
		widget.NewFormItem("", shell),
		widget.NewFormItem("Name", name),
		widget.NewFormItem("Working folder", dir),
		widget.NewFormItem("Start", when),
		widget.NewFormItem("Away for at least", awayFor),
		widget.NewFormItem("GPU use at most", maxGPU),
		widget.NewFormItem("Free VRAM at least", minVRAM),
		widget.NewFormItem("CPU use at most", maxCPU),
		widget.NewFormItem("", onAC),
		widget.NewFormItem("When I come back", onReturn),
	)
	form.Items[0].HintText = "runs without a shell: ~, $VARS and | need \"Run as a /bin/sh script\""
	var d *dialog.CustomDialog
	submit := func() {
		j, err := jobFromForm(jobForm{name: name.Text, cmd: cmd.Text, shell: shell.Checked, dir: dir.Text,
			now: when.Selected != "When I am away", awayFor: awayFor.Text, maxGPU: maxGPU.Text,
			minVRAM: minVRAM.Text, maxCPU: maxCPU.Text, onAC: onAC.Checked, onReturn: onReturn.Selected})
		if err != nil {
			problem.SetText(err.Error())
			problem.Show()
			return
		}
		d.Hide()
		add(j)
	}
	body := container.NewVBox(form, problem)
	d = dialog.NewCustomWithoutButtons("Add job", body, v.win)
	d.SetButtons([]fyne.CanvasObject{
		widget.NewButton("Cancel", func() { d.Hide() }),
		&widget.Button{Text: "Add", Importance: widget.HighImportance, OnTapped: submit},
	})
	d.Resize(fyne.NewSize(620, 0))
	d.Show()
}

// jobForm is what the Add job dialog holds, as typed.
type jobForm struct {
	name, cmd, dir, awayFor           string
	maxGPU, minVRAM, maxCPU, onReturn string
	shell, now, onAC                  bool
}

// jobFromForm turns the dialog's text into a validated job, or says what is
// wrong in words meant for the person who typed it.
func jobFromForm(f jobForm) (jobs.Job, error) {
	j := jobs.Job{Name: strings.TrimSpace(f.name), OnReturn: jobs.OnReturn(f.onReturn), Conditions: jobs.Conditions{OnAC: f.onAC}}
	cmd := strings.TrimSpace(f.cmd)
	if cmd == "" {
		return j, errors.New("type the command to run")
	}
	if f.shell {
		j.Argv = []string{"/bin/sh", "-c", cmd}
	} else {
		argv, err := shlex.Split(cmd)
		if err != nil {
			return j, fmt.Errorf("command: %w (check the quotes)", err)
		}
		j.Argv = argv
	}
	j.Dir = strings.TrimSpace(f.dir)
	if strings.HasPrefix(j.Dir, "~") {
		if home, err := os.UserHomeDir(); err == nil {
			j.Dir = filepath.Join(home, strings.TrimPrefix(j.Dir, "~"))
		}
	}
	j.When = jobs.WhenIdle
	if f.now {
		j.When = jobs.WhenNow
	}
	if s := strings.TrimSpace(f.awayFor); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return j, fmt.Errorf("away for %q: use a duration like 10m or 1h", s)
		}
		j.Conditions.IdleFor = &d
	}
	var err error
	if j.Conditions.MaxGPUPercent, err = optPercent("GPU use", f.maxGPU); err != nil {
		return j, err
	}
	if j.Conditions.MaxCPUPercent, err = optPercent("CPU use", f.maxCPU); err != nil {
		return j, err
	}
	if s := strings.TrimSpace(f.minVRAM); s != "" {
		b, err := format.ParseBytes(s)
		if err != nil {
			return j, fmt.Errorf("free VRAM: %w", err)
		}
		j.Conditions.MinFreeVRAM = &b
	}
	return j, j.Validate()
}

// optPercent reads an optional percentage; empty is no condition.
func optPercent(what, s string) (*float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	p, err := format.ParsePercent(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return &p, nil
}

// jobLogTail is how much of a job's log the Show log dialog reads: the end
// is what matters, and a model's output can run to gigabytes.
const jobLogTail = 64 << 10

// tailFile returns the last n bytes of the file at path, starting at a
// line, with invalid UTF-8 replaced so that no byte is taken as markup.
func tailFile(path string, n int64) (string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil // the job has not started yet
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	off := max(0, fi.Size()-n)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	text := string(buf)
	if off > 0 {
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			text = text[i+1:]
		}
	}
	return strings.ToValidUTF8(text, "\uFFFD"), nil
}

// showLog shows the end of job j's log.
func (v *jobsView) showLog(j jobs.Job, text string) {
	if text == "" {
		text = "(nothing yet: the job has not printed anything)"
	}
	log := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	log.Wrapping = fyne.TextWrapBreak
	scroll := container.NewVScroll(log)
	scroll.ScrollToBottom()
	path := widget.NewLabel("Log file: " + j.LogPath)
	path.Truncation = fyne.TextTruncateEllipsis
	d := dialog.NewCustom(fmt.Sprintf("Log of job #%d %s", j.ID, j.Name), "Close",
		container.NewBorder(path, nil, nil, nil, scroll), v.win)
	d.Resize(fyne.NewSize(900, 560))
	d.Show()
}
