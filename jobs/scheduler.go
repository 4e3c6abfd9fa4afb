package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"sysmon/console"
	"sysmon/format"
	"sysmon/llm"
	"sysmon/runs"
	"sysmon/sampler"
)

// Defaults for Config.
const (
	DefaultMaxGPUTemp = 85.0
	// coolDown is how far below MaxGPUTemp the GPU must be before a job
	// paused for heat continues, so that it does not flap at the limit.
	coolDown = 5.0
)

// Config is how the scheduler decides.
type Config struct {
	// AFKAfter is how long the user must be away before a job added with
	// --when idle starts, unless the job sets its own IdleFor or the sample
	// carries the AFK threshold in force.
	AFKAfter time.Duration
	// MaxRunning is how many jobs may run at once; 0 means 1.
	MaxRunning int
	// MaxGPUTemp pauses running jobs while any GPU is at least this hot
	// (°C) and starts none; 0 means DefaultMaxGPUTemp.
	MaxGPUTemp float64
	// OnAC reports whether the machine runs on mains power; nil means it
	// always does.
	OnAC func() (bool, error)
	// Notify, if set, is told when a job ends (a desktop notification).
	Notify func(title, body string)
	// Runs, if set, records each attempt as a run (tokens, energy, peak
	// VRAM) linked to the job.
	Runs *runs.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// attempt is a job this scheduler started and has not yet seen end.
type attempt struct {
	job  Job
	proc Process
	run  *runs.Run
	t0   time.Time
	// why is set when the scheduler stopped the process itself: what to do
	// once it is gone.
	why stopReason
	// hot: paused for heat rather than for the user.
	hot bool
	// exited is set on the first tick that finds the process gone; the
	// attempt ends on the next one, so that what the job printed last (a
	// llama.cpp token summary) reaches a sample and its run.
	exited bool
}

type stopReason int

const (
	stopNone stopReason = iota
	stopCancel
	stopRequeue
	stopShutdown
)

// Scheduler runs the queue: it starts jobs when their conditions hold,
// pauses or stops them when the user returns or the GPU is too hot, and
// records how they end. Only one scheduler may run per database (see Lock);
// Tick is called from one goroutine, once per sample.
type Scheduler struct {
	q       *Queue
	start   Starter
	cfg     Config
	running map[int64]*attempt
}

// NewScheduler schedules q's jobs, starting them with start.
func NewScheduler(q *Queue, start Starter, cfg Config) *Scheduler {
	if cfg.MaxRunning <= 0 {
		cfg.MaxRunning = 1
	}
	if cfg.MaxGPUTemp <= 0 {
		cfg.MaxGPUTemp = DefaultMaxGPUTemp
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Scheduler{q: q, start: start, cfg: cfg, running: map[int64]*attempt{}}
}

// Recover handles the jobs a previous sysmon left running: their leftover
// process groups are ended and the queue applies each job's OnInterrupt
// policy. Call it once, holding the lock, before the first Tick.
func (s *Scheduler) Recover(ctx context.Context) error {
	left, err := s.q.Recover(ctx)
	if s.cfg.Runs != nil && len(left) > 0 {
		// The runs those attempts recorded lost their writer too.
		if _, rerr := s.cfg.Runs.MarkInterrupted(ctx); rerr != nil {
			slog.Warn("job runs not marked interrupted", "err", rerr)
		}
	}
	for _, j := range left {
		if killLeftover(j.PID, j.PIDStart) {
			slog.Warn("job: ended the processes a previous sysmon left running", "job", j.ID, "pid", j.PID)
		}
		slog.Warn("job was interrupted when sysmon stopped", "job", j.ID, "name", j.Name, "policy", j.OnInterrupt)
	}
	return err
}

// Running reports how many jobs this scheduler has running or paused.
func (s *Scheduler) Running() int { return len(s.running) }

// Tick applies one sample: it reaps jobs that ended, pauses, continues or
// stops running ones, and starts the next pending job whose conditions hold.
func (s *Scheduler) Tick(ctx context.Context, smp *sampler.Sample) {
	for _, a := range s.running {
		if a.run != nil {
			if err := a.run.Add(smp, smp.Time.Sub(a.t0)); err != nil && !errors.Is(err, runs.ErrFinished) {
				slog.Warn("job run: sample not saved", "job", a.job.ID, "err", err)
			}
		}
	}
	s.reap(ctx, false)
	list, err := s.q.List(ctx, false)
	if err != nil {
		slog.Error("job queue unreadable", "err", err)
		return
	}
	view := s.machine(smp)
	for _, j := range list {
		if a, ok := s.running[j.ID]; ok {
			s.steer(ctx, a, j, view)
		}
	}
	s.startNext(ctx, list, view)
}

// Shutdown ends the jobs still running as sysmon stops, waiting for them,
// and applies each one's OnInterrupt policy. A job whose process had
// already ended keeps its own result: it finished, it was not interrupted.
func (s *Scheduler) Shutdown(ctx context.Context) {
	for _, a := range s.running {
		select {
		case <-a.proc.Done():
			continue
		default:
		}
		if a.why == stopNone {
			a.why = stopShutdown
		}
		a.proc.Stop()
	}
	for _, a := range s.running {
		<-a.proc.Done()
	}
	s.reap(ctx, true)
}

// machine is what the conditions are checked against, read from one sample.
type machine struct {
	idle *float64 // seconds since the last input; nil when unknown
	// threshold is the AFK threshold in force where the sample was taken
	// (the settings can change it while sysmon runs); 0 when unknown.
	threshold time.Duration
	noIdle    string // why idle is unknown
	inhibit   bool
	gpuUtil   []*float64
	gpuFree   []*uint64
	gpuTemp   []*float64
	noGPU     string
	cpu       *float64
	onAC      bool
	powerErr  error
}

func (s *Scheduler) machine(smp *sampler.Sample) machine {
	m := machine{onAC: true}
	switch {
	case smp.Idle == nil:
		m.noIdle = "no AFK detector"
	case smp.Idle.IdleSeconds == nil:
		m.noIdle = "AFK state unknown: " + smp.Idle.Reason
	default:
		m.idle, m.inhibit = smp.Idle.IdleSeconds, smp.Idle.Inhibited
	}
	if smp.Idle != nil {
		m.threshold = time.Duration(smp.Idle.ThresholdSeconds * float64(time.Second))
	}
	switch {
	case smp.GPU == nil:
		m.noGPU = "no GPU reading"
	case !smp.GPU.Present:
		m.noGPU = "no NVIDIA GPU: " + smp.GPU.Reason
	default:
		for _, d := range smp.GPU.Devices {
			m.gpuUtil = append(m.gpuUtil, d.UtilizationGPUPercent)
			m.gpuFree = append(m.gpuFree, d.MemoryFreeBytes)
			m.gpuTemp = append(m.gpuTemp, d.TemperatureCelsius)
		}
	}
	if smp.CPU != nil {
		m.cpu = smp.CPU.TotalPercent
	}
	if s.cfg.OnAC != nil {
		m.onAC, m.powerErr = s.cfg.OnAC()
		if m.powerErr != nil {
			// A machine whose power source cannot be read is treated as
			// plugged in: desktops report none.
			m.onAC = true
		}
	}
	return m
}

// hottest is the highest GPU temperature, or NaN when none is known.
func (m machine) hottest() float64 {
	t := math.NaN()
	for _, p := range m.gpuTemp {
		if p != nil && !(*p <= t) {
			t = *p
		}
	}
	return t
}

// away reports whether the user counts as away for j, and if not why.
func (s *Scheduler) away(j Job, m machine) (bool, string) {
	if j.When == WhenNow || j.RunNow {
		return true, ""
	}
	if m.idle == nil {
		return false, m.noIdle
	}
	if m.inhibit {
		return false, "the screen is kept awake (a video or presentation)"
	}
	need := s.cfg.AFKAfter
	if m.threshold > 0 {
		need = m.threshold
	}
	if j.Conditions.IdleFor != nil {
		need = *j.Conditions.IdleFor
	}
	// The messages here hold no live readings (idle time, CPU %): a
	// message that changes every tick would rewrite the job every tick.
	if idle := time.Duration(*m.idle * float64(time.Second)); idle < need {
		return false, fmt.Sprintf("waiting for you to be away %s", format.Duration(need.Seconds()))
	}
	return true, ""
}

// ready checks every condition of j but the user's presence and says which
// one fails first.
func (s *Scheduler) ready(j Job, m machine) (bool, string) {
	c := j.Conditions
	if t := m.hottest(); t >= s.cfg.MaxGPUTemp {
		return false, fmt.Sprintf("GPU at or above its temperature limit of %.0f °C", s.cfg.MaxGPUTemp)
	}
	if c.MaxGPUPercent != nil || c.MinFreeVRAM != nil {
		if m.noGPU != "" {
			return false, m.noGPU
		}
	}
	if c.MaxGPUPercent != nil {
		for i, u := range m.gpuUtil {
			if u == nil {
				return false, fmt.Sprintf("GPU %d utilization unknown", i)
			}
			if *u > *c.MaxGPUPercent {
				return false, fmt.Sprintf("GPU %d busier than %.0f %%", i, *c.MaxGPUPercent)
			}
		}
	}
	if c.MinFreeVRAM != nil {
		best := uint64(0)
		for _, f := range m.gpuFree {
			if f != nil {
				best = max(best, *f)
			}
		}
		if best < *c.MinFreeVRAM {
			return false, fmt.Sprintf("less than %s of VRAM free", format.Bytes(float64(*c.MinFreeVRAM)))
		}
	}
	if c.MaxCPUPercent != nil {
		if m.cpu == nil {
			return false, "CPU use unknown"
		}
		if *m.cpu > *c.MaxCPUPercent {
			return false, fmt.Sprintf("CPU busier than %.0f %%", *c.MaxCPUPercent)
		}
	}
	if c.OnAC && !m.onAC {
		return false, "on battery"
	}
	return true, ""
}

// steer applies the user's return, the GPU guardrail and cancellation to a
// job this scheduler runs.
func (s *Scheduler) steer(ctx context.Context, a *attempt, j Job, m machine) {
	if a.why != stopNone || a.exited {
		return // already on its way out
	}
	if j.CancelRequested {
		a.why = stopCancel
		a.proc.Stop()
		return
	}
	hot := m.hottest()
	away, _ := s.away(j, m)
	switch j.State {
	case StateRunning:
		if hot >= s.cfg.MaxGPUTemp {
			a.hot = true
			s.pause(ctx, a, fmt.Sprintf("paused: GPU at %.0f °C, limit %.0f °C", hot, s.cfg.MaxGPUTemp))
			return
		}
		if away {
			return
		}
		switch j.OnReturn {
		case ReturnPause:
			a.hot = false
			s.pause(ctx, a, "paused: you are back")
		case ReturnStop:
			a.why = stopRequeue
			a.proc.Stop()
		}
	case StatePaused:
		if a.hot && !(hot < s.cfg.MaxGPUTemp-coolDown) && !math.IsNaN(hot) {
			return
		}
		if !away {
			return
		}
		if err := a.proc.Continue(); err != nil {
			slog.Error("job: could not continue", "job", j.ID, "err", err)
			return
		}
		a.hot = false
		s.setState(ctx, j.ID, StateRunning, "")
		slog.Info("job continued", "job", j.ID, "name", j.Name)
	}
}

func (s *Scheduler) pause(ctx context.Context, a *attempt, why string) {
	if err := a.proc.Pause(); err != nil {
		if errors.Is(err, ErrPauseUnsupported) {
			s.setState(ctx, a.job.ID, StateRunning, "kept running: "+err.Error())
			return
		}
		slog.Error("job: could not pause", "job", a.job.ID, "err", err)
		return
	}
	s.setState(ctx, a.job.ID, StatePaused, why)
	slog.Info("job paused", "job", a.job.ID, "name", a.job.Name, "why", why)
}

func (s *Scheduler) setState(ctx context.Context, id int64, st State, msg string) {
	if err := s.q.SetState(ctx, id, st, msg); err != nil {
		slog.Error("job queue: state not saved", "job", id, "state", st, "err", err)
	}
}

// startNext starts the pending jobs whose conditions hold, in queue order,
// while a slot is free. Those that cannot start yet are marked waiting with
// the reason, so that the queue says why nothing runs; those held back only
// by a full slot are queued.
func (s *Scheduler) startNext(ctx context.Context, list []Job, m machine) {
	free := len(s.running) < s.cfg.MaxRunning
	for _, j := range list {
		if !j.State.Pending() {
			continue
		}
		ok, why := s.away(j, m)
		if ok && !j.RunNow {
			ok, why = s.ready(j, m)
		}
		switch {
		case !ok:
			s.mark(ctx, j, StateWaiting, why)
			continue
		case !free:
			s.mark(ctx, j, StateQueued, fmt.Sprintf("ready; waiting for a free slot (%d at once)", s.cfg.MaxRunning))
			continue
		}
		s.launch(ctx, j)
		free = len(s.running) < s.cfg.MaxRunning
	}
}

// mark writes a pending job's state and message only when they change.
func (s *Scheduler) mark(ctx context.Context, j Job, st State, msg string) {
	if j.State != st || j.Message != msg {
		s.setState(ctx, j.ID, st, msg)
	}
}

func (s *Scheduler) launch(ctx context.Context, j Job) {
	// Each attempt's tokens are its own: the console parser also reads
	// every other job and command.
	tokens := llm.NewParser(nil)
	proc, err := s.start.Start(j, func(l console.Line) { tokens.Feed(l.Text) })
	if err != nil {
		slog.Error("job could not start", "job", j.ID, "name", j.Name, "err", err)
		code := 127
		if ferr := s.q.Finish(ctx, j.ID, StateFailed, &code, "could not start: "+err.Error()); ferr != nil {
			slog.Error("job queue: state not saved", "job", j.ID, "err", ferr)
		}
		s.notify(j, "could not start: "+err.Error())
		return
	}
	a := &attempt{job: j, proc: proc, t0: s.cfg.Now()}
	var runID int64
	if s.cfg.Runs != nil {
		if a.run, err = s.cfg.Runs.Start(j.Name, j.Argv, a.t0); err != nil {
			slog.Warn("job: run not recorded", "job", j.ID, "err", err)
		} else {
			a.run.ReadTokens(tokens)
			runID = a.run.ID()
		}
	}
	s.running[j.ID] = a
	if err := s.q.Start(ctx, j.ID, proc.PID(), proc.PIDStart(), runID); err != nil {
		slog.Error("job queue: start not saved", "job", j.ID, "err", err)
	}
	slog.Info("job started", "job", j.ID, "name", j.Name, "pid", proc.PID())
}

// reap records the end of each job whose process is gone: at once when
// final, else a tick after it went (see attempt.exited).
func (s *Scheduler) reap(ctx context.Context, final bool) {
	for id, a := range s.running {
		select {
		case <-a.proc.Done():
		default:
			continue
		}
		if !a.exited && !final {
			a.exited = true
			continue
		}
		delete(s.running, id)
		code, werr := a.proc.Result()
		if a.run != nil {
			var err error
			if a.why != stopNone {
				// Cut short by sysmon: a run, but not a whole one.
				err = a.run.Interrupt(s.cfg.Now())
			} else {
				var ec *int
				if werr == nil {
					ec = &code
				}
				err = a.run.Finish(ec, s.cfg.Now())
			}
			if err != nil {
				slog.Warn("job run not saved", "job", id, "err", err)
			}
		}
		var err error
		var ec *int
		if code >= 0 {
			ec = &code
		}
		switch {
		case a.why == stopCancel:
			err = s.q.Finish(ctx, id, StateCancelled, ec, "cancelled while running")
			s.notify(a.job, "cancelled")
		case a.why == stopRequeue:
			err = s.q.Requeue(ctx, id, "stopped when you came back; runs again from the start")
		case a.why == stopShutdown && a.job.OnInterrupt == InterruptRequeue:
			err = s.q.Requeue(ctx, id, "stopped with sysmon; runs again from the start")
		case a.why == stopShutdown:
			err = s.q.Finish(ctx, id, StateInterrupted, ec, "stopped with sysmon")
		case werr == nil && code == 0:
			err = s.q.Finish(ctx, id, StateDone, ec, "")
			s.notify(a.job, "finished")
		default:
			msg := fmt.Sprintf("exit code %d", code)
			if werr != nil {
				msg = werr.Error()
			}
			err = s.q.Finish(ctx, id, StateFailed, ec, msg)
			s.notify(a.job, "failed: "+msg)
		}
		if err != nil {
			slog.Error("job queue: end not saved", "job", id, "err", err)
		}
		slog.Info("job ended", "job", id, "name", a.job.Name, "exit_code", code)
	}
}

func (s *Scheduler) notify(j Job, what string) {
	if s.cfg.Notify != nil {
		s.cfg.Notify("sysmon job "+what, fmt.Sprintf("#%d %s", j.ID, j.Name))
	}
}
