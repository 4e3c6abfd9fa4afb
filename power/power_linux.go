package power

import (
	"os"
	"path/filepath"
	"strings"
)

// sysfsRoot is where the kernel lists power supplies; tests point it at a
// fake tree.
var sysfsRoot = "/sys/class/power_supply"

// onAC reads the kernel's power supplies, as upower does: a "Mains" supply
// that is online means AC; mains supplies that are all offline mean battery.
// With no mains supply listed, a discharging battery means battery, and no
// battery at all means a desktop, on AC.
func onAC() (bool, error) {
	entries, err := os.ReadDir(sysfsRoot)
	if err != nil {
		if os.IsNotExist(err) {
			return true, nil
		}
		return false, err
	}
	mains, online, discharging := false, false, false
	for _, e := range entries {
		dir := filepath.Join(sysfsRoot, e.Name())
		switch read(dir, "type") {
		case "Mains", "USB":
			mains = true
			if read(dir, "online") == "1" {
				online = true
			}
		case "Battery":
			// Peripherals (a mouse's battery) report scope "Device" and do
			// not power the machine.
			if read(dir, "scope") == "Device" {
				continue
			}
			if read(dir, "status") == "Discharging" {
				discharging = true
			}
		}
	}
	if mains {
		return online, nil
	}
	return !discharging, nil
}

func read(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
