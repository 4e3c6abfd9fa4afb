//go:build !unix

package jobs

func pauseGroup(int) error    { return ErrPauseUnsupported }
func continueGroup(int) error { return ErrPauseUnsupported }

// killLeftover cannot end a process tree here without a job object, so
// a job left running by a dead sysmon is left alone.
func killLeftover(int, uint64) bool { return false }
