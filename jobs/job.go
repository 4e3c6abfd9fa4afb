package jobs

import (
	"errors"
	"time"
)

// State is where a job is in its life.
type State string

const (
	// StateQueued: waiting for its turn.
	StateQueued State = "queued"
	// StateWaiting: next in line, held back by a condition (the user is at
	// the machine, the GPU is busy, on battery); Job.Message says which.
	StateWaiting State = "waiting"
	// StateRunning: its process group is running.
	StateRunning State = "running"
	// StatePaused: its process group is stopped (SIGSTOP) because the user
	// came back or the GPU is too hot; it continues where it was.
	StatePaused State = "paused"
	// StateDone: it exited with code 0.
	StateDone State = "done"
	// StateFailed: it exited with another code, was killed, or could not start.
	StateFailed State = "failed"
	// StateCancelled: the user cancelled it.
	StateCancelled State = "cancelled"
	// StateInterrupted: sysmon went away while it ran (crash, kill -9, power
	// loss) and its policy says not to run it again.
	StateInterrupted State = "interrupted"
)

// States lists every state, in the order of a job's life.
var States = []State{StateQueued, StateWaiting, StateRunning, StatePaused,
	StateDone, StateFailed, StateCancelled, StateInterrupted}

// Ended reports whether a job in state s will never run again.
func (s State) Ended() bool {
	switch s {
	case StateDone, StateFailed, StateCancelled, StateInterrupted:
		return true
	}
	return false
}

// Pending reports whether a job in state s is still waiting to start.
func (s State) Pending() bool { return s == StateQueued || s == StateWaiting }

// When says what a job waits for before it starts.
type When string

const (
	// WhenIdle: the user is away (and the conditions hold).
	WhenIdle When = "idle"
	// WhenNow: only the conditions.
	WhenNow When = "now"
)

// OnReturn is what happens to a running job when the user comes back.
type OnReturn string

const (
	// ReturnPause stops the job's process group and continues it when the
	// user is away again.
	ReturnPause OnReturn = "pause"
	// ReturnKeep lets it run.
	ReturnKeep OnReturn = "keep"
	// ReturnStop terminates it (SIGTERM, a grace period, SIGKILL) and puts it
	// back at the head of the queue.
	ReturnStop OnReturn = "stop"
)

// OnInterrupt is what the next start of sysmon does with a job that was
// running when sysmon went away.
type OnInterrupt string

const (
	// InterruptRequeue runs it again from the start.
	InterruptRequeue OnInterrupt = "requeue"
	// InterruptFail ends it in StateInterrupted.
	InterruptFail OnInterrupt = "fail"
)

// Conditions must all hold for a job to start (or continue after a pause).
// A nil field is no condition.
type Conditions struct {
	// IdleFor: the user must have been away at least this long; nil means
	// the AFK threshold in the settings.
	IdleFor *time.Duration `json:"idle_for_seconds,omitempty"`
	// MaxGPUPercent: every GPU's utilization at most this (0-100).
	MaxGPUPercent *float64 `json:"max_gpu_percent,omitempty"`
	// MinFreeVRAM: some GPU has at least this much free memory, in bytes.
	MinFreeVRAM *uint64 `json:"min_free_vram_bytes,omitempty"`
	// MaxCPUPercent: CPU use by programs other than sysmon's jobs at most
	// this, as a share of all cores (0-100).
	MaxCPUPercent *float64 `json:"max_cpu_percent,omitempty"`
	// OnAC: the machine runs on mains power (not on battery).
	OnAC bool `json:"on_ac,omitempty"`
}

// Job is one entry of the queue.
type Job struct {
	ID   int64
	Name string
	// Argv is the command; it runs without a shell unless it was added
	// with one (then Argv is {"/bin/sh", "-c", script}).
	Argv []string
	// Dir is the working directory (absolute).
	Dir string
	// Env holds KEY=VALUE additions to sysmon's environment.
	Env         []string
	When        When
	Conditions  Conditions
	OnReturn    OnReturn
	OnInterrupt OnInterrupt
	// Position orders the pending jobs: the lowest starts first.
	Position int64
	State    State
	// Message says why a job waits, paused or failed, in plain words.
	Message string
	Created time.Time
	// Started and Ended are zero until the job starts / ends.
	Started, Ended time.Time
	// ExitCode is set once the job's process has exited.
	ExitCode *int
	// Attempts counts starts, including those cut off.
	Attempts int
	// LogPath is the job's log file: its stdout and stderr, every attempt.
	LogPath string
	// RunID is the recorded run (tokens, energy, peak VRAM) of its last
	// attempt; 0 when none.
	RunID int64
	// PID is the process (and process group) id of the running attempt, and
	// PIDStart that process's start time as the OS tells it, so that a later
	// sysmon can tell the job's process from a new one with the same id.
	PID      int
	PIDStart uint64
	// CancelRequested is set by Cancel on a running or paused job: the
	// scheduler ends its process group and marks it cancelled.
	CancelRequested bool
	// RunNow is set by RunNow: the job starts as soon as a slot is free,
	// whatever the user and the conditions, and is never paused for the
	// user's return (the GPU temperature guardrail still applies).
	RunNow bool
}

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound: no job has that id.
	ErrNotFound = errors.New("no such job")
	// ErrEnded: the job has already ended, so it cannot be changed.
	ErrEnded = errors.New("job has already ended")
	// ErrNotPending: the job has started, so it cannot be moved.
	ErrNotPending = errors.New("job is not waiting in the queue")
	// ErrLocked: another sysmon is already scheduling jobs.
	ErrLocked = errors.New("another sysmon is already running the job queue")
)
