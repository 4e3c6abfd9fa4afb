package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"sysmon/console"
	"sysmon/jobs"
	"sysmon/llm"
	"sysmon/metrics"
	"sysmon/power"
	"sysmon/runs"
	"sysmon/settings"
)

// shutdownGrace bounds how long sysmon waits, as it quits, for its running
// jobs to end by their interrupt policy.
const shutdownGrace = 15 * time.Second

// openJobs returns the job queue service of a sysmon in role ("window",
// "daemon"): the queue kept in store's database, jobs started in process
// groups of their own with their output mirrored into buf and read by the
// LLM parser, ends announced through notify.
func openJobs(store *runs.Store, role string, cfg settings.Settings, buf *console.Buffer,
	parser *llm.Parser, notify func(title, body string)) (*jobs.Service, error) {
	q, err := jobs.Open(store)
	if err != nil {
		return nil, err
	}
	runner := &jobs.Runner{Console: buf, OnLine: func(l console.Line) { parser.Feed(l.Text) }}
	return jobs.NewService(q, role, runner, jobs.Config{
		AFKAfter:   cfg.AFKAfter,
		MaxRunning: cfg.JobSlots,
		MaxGPUTemp: cfg.JobMaxGPUTemp,
		OnAC:       power.OnAC,
		Notify:     notify,
		Runs:       store,
	}), nil
}

// stopJobs ends the jobs this sysmon runs, each by its interrupt policy.
func stopJobs(svc *jobs.Service) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	svc.Shutdown(ctx)
}

// openStore opens the runs database (which also keeps the job queue) and
// marks runs cut off by a crash as interrupted. A damaged database is moved
// aside, with the error saying where, and a new one started: it is never
// emptied in place.
func openStore(ctx context.Context) (*runs.Store, error) {
	store, err := openRuns("")
	if errors.Is(err, runs.ErrCorrupt) {
		slog.Error("runs database damaged", "err", err)
		store, err = openRuns("")
	}
	if err != nil {
		return nil, err
	}
	if n, err := store.MarkInterrupted(ctx); err != nil {
		slog.Warn("runs: could not check for interrupted runs", "err", err)
	} else if n > 0 {
		slog.Warn("runs cut off by a crash are kept, marked interrupted", "count", n)
	}
	return store, nil
}

// jobCounts adapts the queue's counts for the metrics endpoint.
func jobCounts(svc *jobs.Service) metrics.JobCounts {
	return func() (map[string]int, bool) {
		counts, mine := svc.Counts()
		out := make(map[string]int, len(counts))
		for st, n := range counts {
			out[string(st)] = n
		}
		return out, mine
	}
}
