package settings

// AppID names sysmon to the desktop: the .desktop file, the registry value.
const AppID = "io.github.sysmon.sysmon"

// SetStartAtLogin makes the desktop start exe (with args) when the user logs
// in, or stops it: an XDG autostart entry on Linux, the Run registry key on
// Windows.
func SetStartAtLogin(on bool, exe string, args ...string) error {
	return setStartAtLogin(on, exe, args)
}
