// Package power tells whether the machine runs on mains power or on
// battery, so that heavy jobs can wait for the charger.
package power

import "errors"

// ErrUnknown is returned where the power source cannot be read.
var ErrUnknown = errors.New("power source unknown on this platform")

// OnAC reports whether the machine runs on mains power. A machine with no
// battery (a desktop) is on AC.
func OnAC() (bool, error) { return onAC() }
