package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"sysmon/assets"
	"sysmon/console"
	"sysmon/jobs"
	"sysmon/llm"
	"sysmon/metrics"
	"sysmon/record"
	"sysmon/runs"
	"sysmon/sampler"
	"sysmon/sessionbus"
	"sysmon/settings"
	"sysmon/tray"
	"sysmon/ui"
)

// windowFlags override the stored settings for one run; only the flags
// given on the command line count.
func windowFlags(fs *flag.FlagSet) (override func(*settings.Settings), recordTo *string) {
	d := settings.Defaults()
	interval := duration(fs, "interval", d.Interval, "sampling interval (250ms to 60s)")
	afk := duration(fs, "afk-after", d.AFKAfter, "time without keyboard or mouse input after which you count as away")
	lines := fs.Int("console-lines", d.ConsoleLines, "lines the Console tab keeps")
	hide := fs.String("hide", d.Hide, "comma-separated strings: Console lines containing any are hidden")
	minimized := fs.Bool("minimized", false, "start hidden in the system tray")
	serve := fs.Bool("metrics", false, "serve Prometheus metrics on "+metrics.DefaultAddr)
	addr := fs.String("metrics-addr", "", "serve Prometheus metrics on this host:port")
	ollama := fs.String("ollama-url", d.OllamaURL, "Ollama server to ask for loaded models (empty: don't ask)")
	llamaServer := fs.String("llama-server-url", d.LlamaServerURL, "llama-server /metrics URL for token rates (empty: don't ask)")
	recordTo = fs.String("record", "", "write every sample to this CSV file (columns in record/doc.go)")
	return func(s *settings.Settings) {
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "interval":
				s.Interval = *interval
			case "afk-after":
				s.AFKAfter = *afk
			case "console-lines":
				s.ConsoleLines = *lines
			case "hide":
				s.Hide = *hide
			case "minimized":
				s.StartMinimized = *minimized
			case "metrics":
				s.Metrics = *serve
			case "metrics-addr":
				s.Metrics, s.MetricsAddr = true, *addr
			case "ollama-url":
				s.OllamaURL = *ollama
			case "llama-server-url":
				s.LlamaServerURL = *llamaServer
			}
		})
	}, recordTo
}

func runWindow(args []string, stderr io.Writer) error {
	fs := newFlags("sysmon", "sysmon [flags]", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage, "\nWindow flags (they override the Settings tab for this run):\n")
		fs.PrintDefaults()
	}
	override, recordTo := windowFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q (flags go after the command, e.g. sysmon snapshot --interval 2s)", fs.Arg(0))}
	}
	_, err := runApp(override, appRun{recordTo: *recordTo})
	return err
}

// runChild is `sysmon run -- CMD ARGS`: the window, with CMD's output in the
// Console tab; sysmon exits with CMD's exit code.
func runChild(args []string, stderr io.Writer) (int, error) {
	fs := newFlags("run", "sysmon run [--label NAME] [flags] -- COMMAND [ARGS...]", stderr)
	override, recordTo := windowFlags(fs)
	label := fs.String("label", "", "name of the recorded run (default: the command's name)")
	if err := parse(fs, args); err != nil {
		return 0, err
	}
	if fs.NArg() == 0 {
		return 0, usageError{errors.New("run: no command given (sysmon run -- COMMAND [ARGS...])")}
	}
	if *label == "" {
		*label = filepath.Base(fs.Arg(0))
	}
	return runApp(override, appRun{cmd: fs.Args(), label: *label, recordTo: *recordTo})
}

// runApp shows the window until it is closed or sysmon gets SIGTERM, with
// sysmon's own output and, if cmd is given, cmd's mirrored into the Console
// tab. It returns cmd's exit code (127 if it could not start).
// appRun is what one start of the window does besides showing it: run a
// command as a labelled run, record samples to CSV.
type appRun struct {
	cmd      []string
	label    string
	recordTo string
}

func runApp(override func(*settings.Settings), ar appRun) (int, error) {
	cmd, label := ar.cmd, ar.label
	if err := checkDisplay(); err != nil {
		return 0, err
	}
	keepFromLaunchingBus()
	// Most of the live heap is Fyne's parsed fonts, which never change; the
	// garbage is chart images. A lower GC target keeps the resident size
	// close to the live heap for a few milliseconds of extra GC a minute.
	debug.SetGCPercent(40)
	a := app.NewWithID(settings.AppID)
	a.SetIcon(assets.Icon)
	cfg, err := settings.Load(a.Preferences())
	if err != nil {
		slog.Warn("stored settings ignored", "err", err)
	}
	override(&cfg)
	if err := cfg.Validate(); err != nil {
		return 0, usageError{err}
	}

	buf := console.NewBuffer(cfg.ConsoleLines)
	if capture, err := console.StartCapture(buf, console.CaptureOptions{}); err != nil {
		slog.Warn("console capture unavailable", "err", err)
	} else {
		defer capture.Stop()
	}
	// Log to the real terminal; the capture would otherwise mirror each record twice.
	_, terminal := console.Terminal()
	slog.SetDefault(slog.New(console.NewHandler(buf, slog.NewTextHandler(terminal, nil), nil)))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mc := openMachine(ctx, cfg)
	defer mc.close()
	s, err := sampler.New(cfg.Interval, cfg.History, mc.sources...)
	if err != nil {
		return 0, err
	}
	var rec *record.Recorder
	if ar.recordTo != "" {
		if rec, err = record.New(ar.recordTo); err != nil {
			return 0, fmt.Errorf("record: %w", err)
		}
		defer rec.Close()
		slog.Info("recording every sample", "file", ar.recordTo)
	}
	// Without a database sysmon still runs; it just records no runs and
	// has no job queue.
	var active *runs.Active
	var queue *jobs.Service
	store, err := openStore(ctx)
	if err != nil {
		slog.Error("runs will not be recorded and the job queue is unavailable", "err", err)
	} else {
		defer store.Close()
		active = runs.NewActive(store)
		notify := func(title, body string) { a.SendNotification(fyne.NewNotification(title, body)) }
		if queue, err = openJobs(store, "window", cfg, buf, mc.parser, notify); err != nil {
			slog.Error("job queue unavailable", "err", err)
		} else {
			defer stopJobs(queue)
		}
	}
	defer eachSample(ctx, s, func(smp *sampler.Sample) {
		if active != nil {
			active.Add(smp)
		}
		if queue != nil {
			queue.Tick(ctx, smp)
		}
		if rec != nil {
			if err := rec.Add(smp); err != nil {
				slog.Error("record: sample not written", "err", err)
			}
		}
	})()
	exporter := &metricsExporter{ctx: ctx, latest: s.History().Latest, opts: []metrics.Option{metrics.WithVersion(version)}}
	if queue != nil {
		exporter.opts = append(exporter.opts, metrics.WithJobs(jobCounts(queue)))
	}
	if cfg.Metrics {
		if err := exporter.set(true, cfg.MetricsAddr); err != nil {
			return 0, err
		}
	}
	defer exporter.set(false, "")
	trayCtx, trayDone := context.WithTimeout(ctx, 2*time.Second)
	present, why := tray.HostPresent(trayCtx)
	trayDone()
	if !present {
		slog.Warn("no system tray: closing the window quits sysmon", "reason", why)
	}
	w := ui.New(a, ui.Options{Sampler: s, Tracker: mc.tracker, Console: buf, Settings: cfg,
		Store: a.Preferences(), TrayPresent: present, SetMetrics: exporter.set, Runs: store, Active: active, Jobs: queue})
	go s.Run(ctx)
	w.Start(ctx)

	exit := make(chan int, 1)
	if cmd != nil {
		// The run counts only its command's tokens.
		tokens := llm.NewParser(nil)
		if active != nil {
			if err := active.Start(label, cmd, tokens); err != nil {
				slog.Error("run not recorded", "err", err)
			}
		}
		startChild(ctx, buf, cmd, []*llm.Parser{mc.parser, tokens}, exit, func(code int) {
			if active != nil {
				active.StopAfterNext(&code)
			}
		})
	}

	// SIGTERM and Ctrl-C quit the normal way, so sysmon exits 0.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, quitSignals...)
	go func() {
		<-sig
		w.Quit()
	}()
	w.Run()
	cancel() // ends the child's whole process group if it is still running
	code := 0
	if cmd != nil {
		code = <-exit
	}
	if active != nil {
		// A run started by hand ends with the app, as done rather than cut off.
		if _, _, err := active.Stop(nil); err != nil {
			slog.Error("run not saved", "err", err)
		}
	}
	return code, nil
}

// startChild runs cmd with its output mirrored into buf and read by the
// token parsers, and sends its exit code on exit (127 when it cannot start,
// as a shell would).
func startChild(ctx context.Context, buf *console.Buffer, cmd []string, parsers []*llm.Parser, exit chan<- int, done func(code int)) {
	child := console.NewChild(buf, cmd[0], cmd[1:]...)
	// Token statistics (llama.cpp, Ollama) are read off the output as it
	// comes, for the live view and for the run.
	child.OnLine(func(l console.Line) {
		for _, p := range parsers {
			p.Feed(l.Text)
		}
	})
	if err := child.Start(ctx); err != nil {
		slog.Error(err.Error())
		done(127)
		exit <- 127
		return
	}
	slog.Info("started", "command", fmt.Sprintf("%q", cmd), "pid", child.Pid())
	go func() {
		code, err := child.Wait()
		switch {
		case ctx.Err() != nil:
			// sysmon was closed first and ended the command: report it the
			// way a shell reports a program ended by SIGTERM.
			code = 128 + int(syscall.SIGTERM)
			slog.Info("stopped with sysmon", "command", cmd[0])
		case err != nil:
			slog.Error("wait for child", "command", cmd[0], "err", err)
		default:
			slog.Info("exited", "command", cmd[0], "code", code)
		}
		done(code)
		exit <- code
	}()
}

// metricsExporter starts and stops the Prometheus endpoint as the settings
// change; UI thread or startup only.
type metricsExporter struct {
	ctx    context.Context
	latest func() *sampler.Sample
	opts   []metrics.Option
	srv    *metrics.Server
	addr   string
}

// set serves metrics on addr, or stops serving when on is false.
func (m *metricsExporter) set(on bool, addr string) error {
	if m.srv != nil && (!on || addr != m.addr) {
		_ = m.srv.Close()
		m.srv = nil
		slog.Info("metrics endpoint stopped")
	}
	if !on || m.srv != nil {
		return nil
	}
	srv, err := metrics.Listen(addr, m.latest, m.opts...)
	if err != nil {
		return err
	}
	m.srv, m.addr = srv, addr
	go func() { _ = srv.Serve(m.ctx) }()
	slog.Info("serving Prometheus metrics", "url", srv.URL())
	return nil
}

// keepFromLaunchingBus stops godbus in Fyne (its settings portal,
// notifications and tray) from starting a session bus with dbus-launch
// where none runs, as sessionbus does for sysmon's own calls. Where no
// session bus answers, the address is set to one that fails at once, so
// each of them reports "no session bus" instead.
func keepFromLaunchingBus() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := sessionbus.Open(ctx)
	if err == nil {
		_ = conn.Close()
		return
	}
	slog.Info("no session D-Bus: desktop notifications, the tray and the theme portal are off", "err", err)
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", noSessionBus)
}

// noSessionBus is a D-Bus address with no transport: dialing it fails
// without side effects.
const noSessionBus = "disabled:"
