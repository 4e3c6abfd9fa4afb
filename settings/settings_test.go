package settings

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"sysmon/format"
)

type mapStore map[string]string

func (m mapStore) StringWithFallback(k, def string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return def
}
func (m mapStore) SetString(k, v string) { m[k] = v }

func TestRoundTrip(t *testing.T) {
	st := mapStore{}
	want := Settings{Interval: 2 * time.Second, History: 30 * time.Minute, AFKAfter: 90 * time.Second,
		ConsoleLines: 20000, Hide: "GET /health, heartbeat", Theme: ThemeDark, Units: format.Decimal,
		CloseToTray: false, StartMinimized: true, StartAtLogin: true,
		Metrics: true, MetricsAddr: "0.0.0.0:9100", OllamaURL: "", LlamaServerURL: "http://127.0.0.1:8081/metrics",
		JobSlots: 3, JobMaxGPUTemp: 80.5}
	if err := Save(st, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(st)
	if err != nil || got != want {
		t.Fatalf("Load = %+v, %v; want %+v", got, err, want)
	}
	fresh, err := Load(mapStore{})
	if err != nil || fresh != Defaults() {
		t.Errorf("empty store: %+v, %v", fresh, err)
	}
}

func TestBadValuesAreRejectedAndKeepTheLastGood(t *testing.T) {
	st := mapStore{}
	good := Defaults()
	if err := Save(st, good); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		edit func(*Settings)
		msg  string
	}{
		{func(s *Settings) { s.Interval = 10 * time.Millisecond }, "interval"},
		{func(s *Settings) { s.Interval = -time.Second }, "interval"},
		{func(s *Settings) { s.History = time.Second }, "history"},
		{func(s *Settings) { s.Interval, s.History = 250*time.Millisecond, 24*time.Hour }, "samples"},
		{func(s *Settings) { s.AFKAfter = 0 }, "AFK threshold"},
		{func(s *Settings) { s.ConsoleLines = 5 }, "console lines"},
		{func(s *Settings) { s.Theme = "neon" }, "theme"},
		{func(s *Settings) { s.Units = 7 }, "byte units"},
		{func(s *Settings) { s.Metrics, s.MetricsAddr = true, "9464" }, "metrics address"},
		{func(s *Settings) { s.Metrics, s.MetricsAddr = true, "x:y" }, "metrics address"},
		{func(s *Settings) { s.Metrics, s.MetricsAddr = true, "127.0.0.1:99999" }, "metrics address"},
		{func(s *Settings) { s.Metrics, s.MetricsAddr = false, "nope" }, "metrics address"},
		{func(s *Settings) { s.OllamaURL = "localhost:11434" }, "Ollama URL"},
		{func(s *Settings) { s.LlamaServerURL = "ftp://x/metrics" }, "llama-server URL"},
		{func(s *Settings) { s.JobSlots = 0 }, "jobs at once"},
		{func(s *Settings) { s.JobMaxGPUTemp = 200 }, "GPU temperature limit"},
	}
	for _, c := range cases {
		bad := good
		c.edit(&bad)
		err := Save(st, bad)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Save(%+v) = %v, want an error about %s", bad, err, c.msg)
		}
		if got, _ := Load(st); got != good {
			t.Errorf("a rejected save changed the stored settings to %+v", got)
		}
	}
}

func TestLoadGarbageFallsBackToDefaults(t *testing.T) {
	st := mapStore{keyInterval: "soon", keyConsoleLines: "many", keyUnits: "furlongs", keyTheme: "neon"}
	got, err := Load(st)
	if err == nil {
		t.Error("garbage loaded without a complaint")
	}
	if got != Defaults() {
		t.Errorf("got %+v, want the defaults", got)
	}
}

// TestOneBadStoredValueKeepsTheOthers: a value that parses but is out of
// range falls back alone; the user's other settings stay.
func TestOneBadStoredValueKeepsTheOthers(t *testing.T) {
	st := mapStore{}
	want := Defaults()
	want.Theme, want.ConsoleLines, want.JobSlots = ThemeDark, 20000, 2
	if err := Save(st, want); err != nil {
		t.Fatal(err)
	}
	st[keyAFK] = "1s" // below MinAFK
	got, err := Load(st)
	if err == nil || !strings.Contains(err.Error(), "AFK threshold") {
		t.Errorf("Load error = %v, want one about the AFK threshold", err)
	}
	if got != want {
		t.Errorf("Load = %+v, want %+v (only the AFK threshold back to its default)", got, want)
	}
}

func TestStartAtLoginXDG(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG autostart is Linux only")
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	path := filepath.Join(dir, "autostart", AppID+".desktop")
	if err := SetStartAtLogin(true, "/opt/my apps/sysmon", "--start-minimized"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Desktop Entry]", "Type=Application", `Exec="/opt/my apps/sysmon" --start-minimized`, "Name=sysmon"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("entry lacks %q:\n%s", want, data)
		}
	}
	if err := SetStartAtLogin(false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("entry still there after turning it off: %v", err)
	}
	if err := SetStartAtLogin(false, ""); err != nil {
		t.Errorf("turning off twice: %v", err)
	}
}
