//go:build unix

package console

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

// groupPoll is how often terminate checks whether the group is gone.
const groupPoll = 20 * time.Millisecond

func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// terminate sends SIGTERM to p's process group and SIGKILL to whatever is
// left of it after grace. It returns once the group is gone or killed, and
// reports whether the group still existed to receive SIGTERM.
func terminate(p *os.Process, grace time.Duration) bool {
	pgid := p.Pid
	if syscall.Kill(-pgid, syscall.SIGTERM) != nil {
		return false
	}
	deadline := time.Now().Add(grace)
	tick := time.NewTicker(groupPoll)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		<-tick.C
		if !groupAlive(pgid) {
			return true
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	return true
}
