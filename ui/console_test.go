package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"sysmon/console"
)

func TestConsoleViewFiltersAndFollows(t *testing.T) {
	test.NewTempApp(t)
	buf := console.NewBuffer(100)
	w := test.NewTempWindow(t, widget.NewLabel(""))
	c := newConsoleView(w, buf, "heartbeat, noise")
	w.SetContent(c.content)
	out := buf.Writer("llama-server")
	for _, l := range []string{"loading model", "heartbeat ok", "\x1b[31mERROR: out of memory\x1b[0m", "noise", "eval time = 10 ms"} {
		out.Write([]byte(l + "\n"))
	}
	c.refresh()
	if c.view.Len() != 3 {
		t.Fatalf("%d lines shown, want 3 (two hidden)", c.view.Len())
	}
	if !strings.Contains(c.status.Text, "3 of 5 lines") {
		t.Errorf("status %q", c.status.Text)
	}
	line, _ := c.view.Line(1)
	if line.Text != "ERROR: out of memory" || lineImportance(line) != widget.DangerImportance {
		t.Errorf("line %q importance %v: colour codes must be gone and the error marked", line.Text, lineImportance(line))
	}
	// Selecting a line stops following; copying puts it on the clipboard.
	c.list.Select(0)
	if c.follow.Checked {
		t.Error("still following after a line was selected")
	}
	c.copySelected()
	if got := fyne.CurrentApp().Clipboard().Content(); got != "loading model" {
		t.Errorf("clipboard %q", got)
	}
	buf.Clear()
	c.refresh()
	if c.view.Len() != 0 {
		t.Errorf("%d lines after Clear", c.view.Len())
	}
}

func TestSplitList(t *testing.T) {
	if got := splitList(" a, ,b ,"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("splitList = %q", got)
	}
	if got := splitList(""); got != nil {
		t.Errorf("empty list = %q: an empty hide string would hide every line", got)
	}
}
