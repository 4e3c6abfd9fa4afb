package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"sysmon/console"
	"sysmon/format"
	"sysmon/idle"
	"sysmon/sampler"
	"sysmon/settings"
)

func newTestUI(t *testing.T) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	s, err := sampler.New(time.Second, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return New(a, Options{Sampler: s, Tracker: idle.NewTracker(idle.Open(context.Background())), Console: console.NewBuffer(100),
		Settings: settings.Defaults(), Store: a.Preferences()})
}

// Settings: applied live, stored, and bad values refused with the last good
// ones kept.
func TestSettingsApplyLiveAndRejectBad(t *testing.T) {
	u := newTestUI(t)
	var v *settingsView
	v = newSettingsView(u.applySettings)
	v.show(u.cfg)
	apply := func() { test.Tap(findButton(t, v, "Apply")) }

	v.interval.SetText("2s")
	v.history.SetText("30m")
	v.units.SetSelectedIndex(int(format.Decimal))
	v.hide.SetText("heartbeat")
	apply()
	if !strings.Contains(v.message.Text, "Applied") {
		t.Fatalf("message %q", v.message.Text)
	}
	if got := u.opts.Sampler.Interval(); got != 2*time.Second {
		t.Errorf("sampler interval %v, want 2s applied live", got)
	}
	if got := u.opts.Sampler.History().Size(); got != 901 {
		t.Errorf("history %d samples, want 30m/2s + 1 = 901", got)
	}
	if u.unitsNow() != format.Decimal || u.console.hideEntry.Text != "heartbeat" {
		t.Errorf("units %v, hide %q", u.unitsNow(), u.console.hideEntry.Text)
	}
	stored, err := settings.Load(u.opts.Store)
	if err != nil || stored.Interval != 2*time.Second {
		t.Errorf("stored %+v, %v", stored, err)
	}

	for _, bad := range []struct{ field, text, msg string }{
		{"interval", "10ms", "interval"},
		{"interval", "soon", "not a duration"},
		{"lines", "-5", "console lines"},
		{"afk", "0s", "AFK threshold"},
	} {
		v.show(stored)
		map[string]*entryRef{"interval": {v.interval.SetText}, "lines": {v.lines.SetText}, "afk": {v.afk.SetText}}[bad.field].set(bad.text)
		apply()
		if !strings.Contains(v.message.Text, "Not applied") || !strings.Contains(v.message.Text, bad.msg) {
			t.Errorf("%s=%q: message %q", bad.field, bad.text, v.message.Text)
		}
		if got := u.opts.Sampler.Interval(); got != 2*time.Second {
			t.Errorf("%s=%q changed the interval to %v", bad.field, bad.text, got)
		}
		if again, _ := settings.Load(u.opts.Store); again != stored {
			t.Errorf("%s=%q changed the stored settings", bad.field, bad.text)
		}
	}

	// Two fields that do not parse are both named at once.
	v.show(stored)
	v.interval.SetText("abc")
	v.jobSlots.SetText("many")
	apply()
	if !strings.Contains(v.message.Text, `sampling interval "abc"`) || !strings.Contains(v.message.Text, `jobs at once "many"`) {
		t.Errorf("message %q, want both fields named", v.message.Text)
	}
}

type entryRef struct{ set func(string) }

func TestTrayLabels(t *testing.T) {
	s := sampleWithGPU()
	got := trayLabels(s, format.Binary)
	want := []string{"CPU 12 %", "Memory 4 GiB / 16 GiB", "GPU 0 37 % · VRAM 1 GiB / 24 GiB", "GPU 1 lost", "AFK unknown"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("labels %q\nwant %q", got, want)
	}
	s.GPU = nil
	if got := trayLabels(s, format.Binary); len(got) != 3 {
		t.Errorf("without GPUs: %q", got)
	}
	if quantize(-5) != 0 || quantize(100) != iconLevels || quantize(55) != 4 {
		t.Error("quantize")
	}
}

func findButton(t *testing.T, v *settingsView, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == label {
				found = x
			}
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(x.Content)
		}
	}
	walk(v.content)
	if found == nil {
		t.Fatalf("no %q button", label)
	}
	return found
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Second: "1s", 500 * time.Millisecond: "500ms",
		10 * time.Minute: "10m", 90 * time.Second: "1m30s", 2 * time.Hour: "2h", 2*time.Hour + time.Minute: "2h1m"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
