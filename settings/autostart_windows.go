package settings

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"
)

const runKey = `Software\Microsoft\Windows\CurrentVersion\Run`

func setStartAtLogin(on bool, exe string, args []string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("start at login: %w", err)
	}
	defer k.Close()
	if !on {
		if err := k.DeleteValue(AppID); err != nil && !errors.Is(err, registry.ErrNotExist) {
			return fmt.Errorf("start at login: %w", err)
		}
		return nil
	}
	cmd := `"` + exe + `"`
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	return k.SetStringValue(AppID, cmd)
}
