package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"sysmon/format"
	"sysmon/settings"
)

var unitChoices = []string{"binary (KiB, MiB, GiB)", "decimal (kB, MB, GB)"}

// settingsView is the Settings tab: every preference, applied live when the
// user presses Apply, and refused with a message (keeping the last good
// values) when any field is invalid.
type settingsView struct {
	interval, history, afk, lines, hide *widget.Entry
	jobSlots, jobMaxTemp                *widget.Entry
	metricsAddr, ollamaURL, llamaURL    *widget.Entry
	metrics                             *widget.Check
	theme, units                        *widget.Select
	closeToTray, startMin, atLogin      *widget.Check
	message                             *widget.Label
	content                             fyne.CanvasObject
}

func newSettingsView(apply func(settings.Settings) error) *settingsView {
	v := &settingsView{
		interval: widget.NewEntry(), history: widget.NewEntry(), afk: widget.NewEntry(),
		lines: widget.NewEntry(), hide: widget.NewEntry(), jobSlots: widget.NewEntry(), jobMaxTemp: widget.NewEntry(),
		theme:       widget.NewSelect([]string{settings.ThemeSystem, settings.ThemeLight, settings.ThemeDark}, nil),
		units:       widget.NewSelect(unitChoices, nil),
		closeToTray: widget.NewCheck("Closing the window hides it to the tray (when there is one)", nil),
		startMin:    widget.NewCheck("Start minimized to the tray", nil),
		atLogin:     widget.NewCheck("Start sysmon when I log in", nil),
		metrics:     widget.NewCheck("Serve Prometheus metrics", nil),
		metricsAddr: widget.NewEntry(), ollamaURL: widget.NewEntry(), llamaURL: widget.NewEntry(),
		message: widget.NewLabel(""),
	}
	v.message.Wrapping = fyne.TextWrapWord
	v.hide.SetPlaceHolder("e.g. GET /health, heartbeat")
	form := widget.NewForm(
		widget.NewFormItem("Sampling interval", v.interval),
		widget.NewFormItem("History kept", v.history),
		widget.NewFormItem("Away (AFK) after", v.afk),
		widget.NewFormItem("Console lines kept", v.lines),
		widget.NewFormItem("Hide console lines with", v.hide),
		widget.NewFormItem("Theme", v.theme),
		widget.NewFormItem("Byte units", v.units),
		widget.NewFormItem("", v.closeToTray),
		widget.NewFormItem("", v.startMin),
		widget.NewFormItem("", v.atLogin),
		widget.NewFormItem("", v.metrics),
		widget.NewFormItem("Metrics address", v.metricsAddr),
		widget.NewFormItem("Ollama URL", v.ollamaURL),
		widget.NewFormItem("llama-server metrics URL", v.llamaURL),
		widget.NewFormItem("Jobs at once", v.jobSlots),
		widget.NewFormItem("Pause jobs when a GPU reaches", v.jobMaxTemp),
	)
	form.Items[0].HintText = "250ms to 60s, e.g. 1s or 500ms"
	form.Items[1].HintText = "1m to 24h, e.g. 10m"
	form.Items[2].HintText = "time without keyboard or mouse input, e.g. 5m"
	form.Items[3].HintText = "100 to 1000000"
	form.Items[11].HintText = "host:port; 127.0.0.1 keeps it on this machine"
	form.Items[12].HintText = "loaded models; empty to not ask (used from the next start)"
	form.Items[13].HintText = "token rates; empty to not ask (used from the next start)"
	form.Items[14].HintText = fmt.Sprintf("queued jobs that may run together, 1 to %d (used from the next start)", settings.MaxJobSlots)
	form.Items[15].HintText = fmt.Sprintf("°C, %d to %d (used from the next start)", settings.MinJobGPUTemp, settings.MaxJobGPUTemp)
	applyBtn := widget.NewButton("Apply", func() {
		s, err := v.read()
		if err == nil {
			err = apply(s)
		}
		if err != nil {
			v.message.Importance = widget.DangerImportance
			v.message.SetText("Not applied: " + strings.ReplaceAll(err.Error(), "\n", "; "))
			return
		}
		v.message.Importance = widget.SuccessImportance
		v.message.SetText("Applied and saved.")
	})
	applyBtn.Importance = widget.HighImportance
	defaults := widget.NewButton("Defaults", func() { v.show(settings.Defaults()) })
	v.content = container.NewVScroll(container.NewPadded(container.NewVBox(form,
		container.NewHBox(applyBtn, defaults), v.message)))
	return v
}

// show fills the fields from s.
func (v *settingsView) show(s settings.Settings) {
	v.interval.SetText(shortDuration(s.Interval))
	v.history.SetText(shortDuration(s.History))
	v.afk.SetText(shortDuration(s.AFKAfter))
	v.lines.SetText(strconv.Itoa(s.ConsoleLines))
	v.hide.SetText(s.Hide)
	v.theme.SetSelected(s.Theme)
	v.units.SetSelectedIndex(int(s.Units))
	v.closeToTray.SetChecked(s.CloseToTray)
	v.startMin.SetChecked(s.StartMinimized)
	v.atLogin.SetChecked(s.StartAtLogin)
	v.metrics.SetChecked(s.Metrics)
	v.metricsAddr.SetText(s.MetricsAddr)
	v.ollamaURL.SetText(s.OllamaURL)
	v.llamaURL.SetText(s.LlamaServerURL)
	v.jobSlots.SetText(strconv.Itoa(s.JobSlots))
	v.jobMaxTemp.SetText(strconv.FormatFloat(s.JobMaxGPUTemp, 'g', -1, 64))
}

// read parses the fields; each parse error names its field.
func (v *settingsView) read() (settings.Settings, error) {
	s := settings.Settings{Hide: v.hide.Text, Theme: v.theme.Selected,
		CloseToTray: v.closeToTray.Checked, StartMinimized: v.startMin.Checked, StartAtLogin: v.atLogin.Checked,
		Metrics: v.metrics.Checked, MetricsAddr: strings.TrimSpace(v.metricsAddr.Text),
		OllamaURL: strings.TrimSpace(v.ollamaURL.Text), LlamaServerURL: strings.TrimSpace(v.llamaURL.Text)}
	// Every field that does not parse is named, not just the first.
	var errs []error
	field := func(name, text, want string, parse func(string) error) {
		if parse(strings.TrimSpace(text)) != nil {
			errs = append(errs, fmt.Errorf("%s %q is not %s", name, text, want))
		}
	}
	duration := func(d *time.Duration) func(string) error {
		return func(t string) (err error) { *d, err = time.ParseDuration(t); return err }
	}
	whole := func(n *int) func(string) error {
		return func(t string) (err error) { *n, err = strconv.Atoi(t); return err }
	}
	const aDuration, aNumber = "a duration like 1s, 500ms or 5m", "a whole number"
	field("sampling interval", v.interval.Text, aDuration, duration(&s.Interval))
	field("history", v.history.Text, aDuration, duration(&s.History))
	field("AFK threshold", v.afk.Text, aDuration, duration(&s.AFKAfter))
	field("console lines", v.lines.Text, aNumber, whole(&s.ConsoleLines))
	field("jobs at once", v.jobSlots.Text, aNumber, whole(&s.JobSlots))
	field("job GPU temperature limit", v.jobMaxTemp.Text, "a number", func(t string) (err error) {
		s.JobMaxGPUTemp, err = strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "°C")), 64)
		return err
	})
	s.Units = format.Units(v.units.SelectedIndex())
	return s, errors.Join(errs...)
}

// shortDuration drops the zero tails of Duration.String: "10m", not "10m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
