package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"runtime/debug"

	"sysmon/console"
	"sysmon/idle"
	"sysmon/metrics"
	"sysmon/notify"
	"sysmon/sampler"
	"sysmon/settings"
)

// runDaemon is `sysmon daemon`: the sampler, AFK detection and the job
// queue's scheduler with no window, for running as a service, serving
// Prometheus metrics when asked. It ends cleanly (exit 0) on SIGTERM or
// Ctrl-C, ending its running jobs by their interrupt policy.
func runDaemon(args []string, stderr io.Writer) error {
	fs := newFlags("daemon", "sysmon daemon [--interval D] [--afk-after D] [--jobs N] [--metrics | --metrics-addr HOST:PORT]", stderr)
	d := settings.Defaults()
	interval := duration(fs, "interval", d.Interval, "sampling interval (250ms to 60s)")
	afk := duration(fs, "afk-after", d.AFKAfter, "time without keyboard or mouse input after which you count as away")
	slots := fs.Int("jobs", d.JobSlots, "queued jobs that may run at once")
	serve := fs.Bool("metrics", false, "serve Prometheus metrics on "+metrics.DefaultAddr)
	addr := fs.String("metrics-addr", "", "serve Prometheus metrics on this host:port")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	cfg := d
	cfg.Interval, cfg.AFKAfter, cfg.JobSlots = *interval, *afk, *slots
	cfg.Metrics, cfg.MetricsAddr = *serve || *addr != "", *addr
	if cfg.MetricsAddr == "" {
		cfg.MetricsAddr = metrics.DefaultAddr
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, nil)))
	// A service that idles most of the time: a lower GC target keeps its
	// resident memory near the live heap for a little more GC work.
	debug.SetGCPercent(40)

	ctx, stop := signal.NotifyContext(context.Background(), quitSignals...)
	defer stop()
	mc := openMachine(ctx, cfg)
	defer mc.close()
	s, err := sampler.New(cfg.Interval, cfg.History, mc.sources...)
	if err != nil {
		return err
	}
	store, err := openStore(ctx)
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	defer store.Close()
	// The daemon has no Console tab; the buffer only feeds the LLM parser
	// and keeps the last lines for nobody, so it stays small.
	queue, err := openJobs(store, "daemon", cfg, console.NewBuffer(100), mc.parser, notifyDesktop)
	if err != nil {
		return err
	}
	defer stopJobs(queue)
	defer eachSample(ctx, s, func(smp *sampler.Sample) { queue.Tick(ctx, smp) })()
	if cfg.Metrics {
		srv, err := metrics.Listen(cfg.MetricsAddr, s.History().Latest, metrics.WithVersion(version), metrics.WithJobs(jobCounts(queue)))
		if err != nil {
			return err
		}
		go func() { _ = srv.Serve(ctx) }()
		slog.Info("serving Prometheus metrics", "url", srv.URL())
	}
	events, unsubscribe := mc.tracker.Subscribe(4)
	defer unsubscribe()
	go func() {
		for ev := range events {
			slog.Info("AFK state", "from", ev.From, "to", ev.To)
		}
	}()
	slog.Info("sysmon daemon running", "interval", cfg.Interval, "afk_after", cfg.AFKAfter, "afk_backend", idleBackend(mc.tracker))
	s.Run(ctx)
	slog.Info("sysmon daemon stopped")
	return nil
}

// notifyDesktop shows a job's end as a desktop notification, off the
// scheduler's goroutine: a slow notification daemon must not hold it up.
func notifyDesktop(title, body string) {
	go func() {
		if err := notify.Send(context.Background(), title, body); err != nil {
			slog.Debug("no desktop notification", "err", err)
		}
	}()
}

// idleBackend names the AFK backend in use, for the start-up line.
func idleBackend(t *idle.Tracker) string {
	st := t.Status()
	if st.Backend == "" {
		return fmt.Sprint(st.State)
	}
	return st.Backend
}
