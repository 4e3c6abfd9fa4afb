// Package settings holds the user's preferences, their validation and their
// storage through any key-value store (Fyne's Preferences in the app), so
// the rules can be tested without a window.
package settings

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sysmon/format"
	"sysmon/llm"
	"sysmon/metrics"
	"sysmon/sampler"
)

// Theme choices.
const (
	ThemeSystem = "system"
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// Settings are everything the user can change in the Settings tab.
type Settings struct {
	Interval       time.Duration
	History        time.Duration
	AFKAfter       time.Duration
	ConsoleLines   int
	Hide           string // comma-separated strings whose console lines are hidden
	Theme          string
	Units          format.Units
	CloseToTray    bool
	StartMinimized bool
	StartAtLogin   bool
	// Metrics serves Prometheus metrics on MetricsAddr.
	Metrics     bool
	MetricsAddr string
	// OllamaURL and LlamaServerURL are the local model servers polled for
	// loaded models and token rates; empty turns a poll off.
	OllamaURL      string
	LlamaServerURL string
	// JobSlots is how many queued jobs may run at once; JobMaxGPUTemp (°C)
	// pauses them while any GPU is at least that hot.
	JobSlots      int
	JobMaxGPUTemp float64
}

// Defaults are the settings of a fresh install.
func Defaults() Settings {
	return Settings{
		Interval:       time.Second,
		History:        10 * time.Minute,
		AFKAfter:       5 * time.Minute,
		ConsoleLines:   5000,
		Theme:          ThemeSystem,
		Units:          format.Binary,
		CloseToTray:    true,
		MetricsAddr:    metrics.DefaultAddr,
		OllamaURL:      llm.DefaultOllamaURL,
		LlamaServerURL: llm.DefaultLlamaServerMetricsURL,
		JobSlots:       1,
		JobMaxGPUTemp:  85,
	}
}

// Limits of the numeric settings.
const (
	MinHistory      = time.Minute
	MaxHistory      = 24 * time.Hour
	MinAFK          = 10 * time.Second
	MaxAFK          = 24 * time.Hour
	MinConsoleLines = 100
	MaxConsoleLines = 1_000_000
	// MaxHistoryPoints bounds the memory of the history: span / interval.
	MaxHistoryPoints = 100_000
	MaxJobSlots      = 16
	MinJobGPUTemp    = 40
	MaxJobGPUTemp    = 110
)

// Validate reports every invalid field, naming it, so the Settings tab can
// show each message beside its field.
func (s Settings) Validate() error {
	var errs []error
	if err := sampler.CheckInterval(s.Interval); err != nil {
		errs = append(errs, fmt.Errorf("sampling %w", err))
	}
	if s.History < MinHistory || s.History > MaxHistory {
		errs = append(errs, fmt.Errorf("history %v: must be between %v and %v", s.History, MinHistory, MaxHistory))
	} else if s.Interval > 0 && s.History/s.Interval > MaxHistoryPoints {
		errs = append(errs, fmt.Errorf("history %v at %v per sample is more than %d samples: sample less often or keep less", s.History, s.Interval, MaxHistoryPoints))
	}
	if s.AFKAfter < MinAFK || s.AFKAfter > MaxAFK {
		errs = append(errs, fmt.Errorf("AFK threshold %v: must be between %v and %v", s.AFKAfter, MinAFK, MaxAFK))
	}
	if s.ConsoleLines < MinConsoleLines || s.ConsoleLines > MaxConsoleLines {
		errs = append(errs, fmt.Errorf("console lines %d: must be between %d and %d", s.ConsoleLines, MinConsoleLines, MaxConsoleLines))
	}
	switch s.Theme {
	case ThemeSystem, ThemeLight, ThemeDark:
	default:
		errs = append(errs, fmt.Errorf("theme %q: must be system, light or dark", s.Theme))
	}
	if s.Units != format.Binary && s.Units != format.Decimal {
		errs = append(errs, fmt.Errorf("byte units %d: must be binary or decimal", s.Units))
	}
	// Checked even while metrics are off, so that switching them on later
	// cannot fail on an address saved long ago.
	if _, port, err := net.SplitHostPort(s.MetricsAddr); err != nil || !validPort(port) {
		errs = append(errs, fmt.Errorf("metrics address %q: want host:port with a port from 0 to 65535, e.g. %s", s.MetricsAddr, metrics.DefaultAddr))
	}
	for _, u := range []struct{ name, url string }{{"Ollama URL", s.OllamaURL}, {"llama-server URL", s.LlamaServerURL}} {
		if u.url == "" {
			continue
		}
		if p, err := url.Parse(u.url); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q: want http://host:port/..., or empty to turn it off", u.name, u.url))
		}
	}
	if s.JobSlots < 1 || s.JobSlots > MaxJobSlots {
		errs = append(errs, fmt.Errorf("jobs at once %d: must be between 1 and %d", s.JobSlots, MaxJobSlots))
	}
	if !(s.JobMaxGPUTemp >= MinJobGPUTemp && s.JobMaxGPUTemp <= MaxJobGPUTemp) {
		errs = append(errs, fmt.Errorf("job GPU temperature limit %v °C: must be between %d and %d", s.JobMaxGPUTemp, MinJobGPUTemp, MaxJobGPUTemp))
	}
	return errors.Join(errs...)
}

// validPort reports whether port is a TCP port number.
func validPort(port string) bool {
	_, err := strconv.ParseUint(port, 10, 16)
	return err == nil
}

// Store is the part of fyne.Preferences the settings need.
type Store interface {
	StringWithFallback(key, fallback string) string
	SetString(key, value string)
}

// Keys under which each setting is stored; strings throughout so one code
// path parses and validates what is read back.
const (
	keyInterval       = "interval"
	keyHistory        = "history"
	keyAFK            = "afk_after"
	keyConsoleLines   = "console_lines"
	keyHide           = "console_hide"
	keyTheme          = "theme"
	keyUnits          = "units"
	keyCloseToTray    = "close_to_tray"
	keyStartMinimized = "start_minimized"
	keyStartAtLogin   = "start_at_login"
	keyMetrics        = "metrics"
	keyMetricsAddr    = "metrics_addr"
	keyOllamaURL      = "ollama_url"
	keyLlamaServerURL = "llama_server_url"
	keyJobSlots       = "job_slots"
	keyJobMaxGPUTemp  = "job_max_gpu_temp"
)

// Load reads the settings; a stored value that does not parse or validate
// falls back to its default (the others are kept), and the problem is
// reported so it can be logged.
func Load(st Store) (Settings, error) {
	d := Defaults()
	s := d
	var errs []error
	get := func(key, def string) string { return st.StringWithFallback(key, def) }
	dur := func(key string, def time.Duration, dst *time.Duration) {
		if v, err := time.ParseDuration(get(key, def.String())); err == nil {
			*dst = v
		} else {
			errs = append(errs, fmt.Errorf("stored %s: %w", key, err))
		}
	}
	dur(keyInterval, d.Interval, &s.Interval)
	dur(keyHistory, d.History, &s.History)
	dur(keyAFK, d.AFKAfter, &s.AFKAfter)
	integer := func(key string, def int, dst *int) {
		if n, err := strconv.Atoi(get(key, strconv.Itoa(def))); err == nil {
			*dst = n
		} else {
			errs = append(errs, fmt.Errorf("stored %s: %w", key, err))
		}
	}
	integer(keyConsoleLines, d.ConsoleLines, &s.ConsoleLines)
	integer(keyJobSlots, d.JobSlots, &s.JobSlots)
	if v, err := strconv.ParseFloat(get(keyJobMaxGPUTemp, strconv.FormatFloat(d.JobMaxGPUTemp, 'g', -1, 64)), 64); err == nil {
		s.JobMaxGPUTemp = v
	} else {
		errs = append(errs, fmt.Errorf("stored %s: %w", keyJobMaxGPUTemp, err))
	}
	s.Hide = get(keyHide, d.Hide)
	s.Theme = get(keyTheme, d.Theme)
	u, err := ParseUnits(get(keyUnits, UnitsName(d.Units)))
	if err != nil {
		errs = append(errs, err)
	}
	s.Units = u
	s.CloseToTray = get(keyCloseToTray, strconv.FormatBool(d.CloseToTray)) == "true"
	s.StartMinimized = get(keyStartMinimized, strconv.FormatBool(d.StartMinimized)) == "true"
	s.StartAtLogin = get(keyStartAtLogin, strconv.FormatBool(d.StartAtLogin)) == "true"
	s.Metrics = get(keyMetrics, strconv.FormatBool(d.Metrics)) == "true"
	s.MetricsAddr = get(keyMetricsAddr, d.MetricsAddr)
	s.OllamaURL = get(keyOllamaURL, d.OllamaURL)
	s.LlamaServerURL = get(keyLlamaServerURL, d.LlamaServerURL)
	if err := s.Validate(); err != nil {
		errs = append(errs, err)
		s = keepValid(s, d)
	}
	return s, errors.Join(errs...)
}

// keepValid returns s with each field that is invalid on its own set back
// to its default, so that one bad stored value does not cost the others;
// only if the rest still do not fit together is it d.
func keepValid(s, d Settings) Settings {
	fields := []func(dst, src *Settings){
		func(a, b *Settings) { a.Interval = b.Interval },
		func(a, b *Settings) { a.History = b.History },
		func(a, b *Settings) { a.AFKAfter = b.AFKAfter },
		func(a, b *Settings) { a.ConsoleLines = b.ConsoleLines },
		func(a, b *Settings) { a.Theme = b.Theme },
		func(a, b *Settings) { a.Units = b.Units },
		func(a, b *Settings) { a.Metrics, a.MetricsAddr = b.Metrics, b.MetricsAddr },
		func(a, b *Settings) { a.OllamaURL = b.OllamaURL },
		func(a, b *Settings) { a.LlamaServerURL = b.LlamaServerURL },
		func(a, b *Settings) { a.JobSlots = b.JobSlots },
		func(a, b *Settings) { a.JobMaxGPUTemp = b.JobMaxGPUTemp },
	}
	out := s
	for _, copyField := range fields {
		alone := d
		copyField(&alone, &s)
		if alone.Validate() != nil {
			copyField(&out, &d)
		}
	}
	if out.Validate() != nil {
		return d
	}
	return out
}

// Save validates and stores the settings; nothing is stored if any field is
// invalid, so the last good settings stay in force.
func Save(st Store, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	st.SetString(keyInterval, s.Interval.String())
	st.SetString(keyHistory, s.History.String())
	st.SetString(keyAFK, s.AFKAfter.String())
	st.SetString(keyConsoleLines, strconv.Itoa(s.ConsoleLines))
	st.SetString(keyHide, s.Hide)
	st.SetString(keyTheme, s.Theme)
	st.SetString(keyUnits, UnitsName(s.Units))
	st.SetString(keyCloseToTray, strconv.FormatBool(s.CloseToTray))
	st.SetString(keyStartMinimized, strconv.FormatBool(s.StartMinimized))
	st.SetString(keyStartAtLogin, strconv.FormatBool(s.StartAtLogin))
	st.SetString(keyMetrics, strconv.FormatBool(s.Metrics))
	st.SetString(keyMetricsAddr, s.MetricsAddr)
	st.SetString(keyOllamaURL, s.OllamaURL)
	st.SetString(keyLlamaServerURL, s.LlamaServerURL)
	st.SetString(keyJobSlots, strconv.Itoa(s.JobSlots))
	st.SetString(keyJobMaxGPUTemp, strconv.FormatFloat(s.JobMaxGPUTemp, 'g', -1, 64))
	return nil
}

// UnitsName and ParseUnits convert byte units to and from "binary"/"decimal".
func UnitsName(u format.Units) string {
	if u == format.Decimal {
		return "decimal"
	}
	return "binary"
}

func ParseUnits(s string) (format.Units, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "binary":
		return format.Binary, nil
	case "decimal":
		return format.Decimal, nil
	}
	return format.Binary, fmt.Errorf("byte units %q: must be binary or decimal", s)
}
