//go:build !linux && !windows

package power

func onAC() (bool, error) { return false, ErrUnknown }
