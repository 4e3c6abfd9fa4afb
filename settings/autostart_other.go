//go:build !linux && !windows

package settings

import (
	"errors"
	"runtime"
)

func setStartAtLogin(on bool, _ string, _ []string) error {
	if !on {
		return nil
	}
	return errors.New("start at login is not supported on " + runtime.GOOS)
}
