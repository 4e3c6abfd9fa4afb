package settings

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sysmon/atomicfile"
)

// autostartPath is $XDG_CONFIG_HOME/autostart/<id>.desktop, per the XDG
// Autostart specification.
func autostartPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "autostart", AppID+".desktop"), nil
}

func setStartAtLogin(on bool, exe string, args []string) error {
	path, err := autostartPath()
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	if !on {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("start at login: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	entry := "[Desktop Entry]\nType=Application\nName=sysmon\nComment=System monitor for local LLM work\n" +
		"Exec=" + execLine(exe, args) + "\nIcon=" + AppID + "\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, entry)
		return err
	})
}

// execLine quotes each argument as the Desktop Entry specification asks.
func execLine(exe string, args []string) string {
	parts := []string{quoteExec(exe)}
	for _, a := range args {
		parts = append(parts, quoteExec(a))
	}
	return strings.Join(parts, " ")
}

func quoteExec(s string) string {
	if !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`%") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\"`, "`", "\\`", `$`, `\$`, `%`, `%%`)
	return `"` + r.Replace(s) + `"`
}
