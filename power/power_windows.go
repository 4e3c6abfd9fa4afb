package power

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

var getSystemPowerStatus = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetSystemPowerStatus")

// systemPowerStatus is SYSTEM_POWER_STATUS.
type systemPowerStatus struct {
	ACLineStatus        byte
	BatteryFlag         byte
	BatteryLifePercent  byte
	SystemStatusFlag    byte
	BatteryLifeTime     uint32
	BatteryFullLifeTime uint32
}

// onAC asks GetSystemPowerStatus; ACLineStatus is 0 offline, 1 online and
// 255 unknown (treated as AC: desktops may say so).
func onAC() (bool, error) {
	var st systemPowerStatus
	if r, _, err := getSystemPowerStatus.Call(uintptr(unsafe.Pointer(&st))); r == 0 {
		return false, fmt.Errorf("GetSystemPowerStatus: %w", err)
	}
	return st.ACLineStatus != 0, nil
}
