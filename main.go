// Command sysmon is a system monitor for people who run language models on
// their own machines: a Fyne window by default, and a few CLI verbs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sysmon/format"
	"sysmon/gpu"
	"sysmon/idle"
	"sysmon/llm"
	"sysmon/sampler"
	"sysmon/settings"
	"sysmon/snapshot"
)

// quitSignals end sysmon the clean way (running jobs and a mirrored
// command are ended, runs saved, exit code 0): Ctrl-C, SIGTERM, and SIGHUP
// from a terminal that is closed.
var quitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// version is set at build time from FyneApp.toml (see the Makefile).
var version = "dev"

const usage = `sysmon - a system monitor for running language models locally

Usage:
  sysmon [flags]                                open the window
  sysmon run [flags] -- COMMAND [ARGS...]       open the window and mirror COMMAND's output into its
                                                Console tab; exits with COMMAND's exit code
  sysmon snapshot [--json] [--interval D] [--processes N]
                                                print one sample taken over one interval
  sysmon daemon [flags]                         sample with no window (a service): AFK, Prometheus metrics
  sysmon runs list|show|compare|export         recorded LLM runs (see sysmon runs --help)
  sysmon queue add|list|cancel|logs|move|run-now
                                                jobs that run while you are away (see sysmon queue --help)
  sysmon version                                print the version
  sysmon help                                   show this help

Each verb takes --help. --interval is a Go duration between 250ms and 60s
(default 1s); --afk-after is how long without input counts as away (default 5m).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is a mistake on the command line (exit code 2), as opposed to
// a failure while running (exit code 1).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// run dispatches a command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	verb := "window"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		verb, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		verb, args = "version", args[1:]
	}
	var err error
	code := 0
	switch verb {
	case "window":
		err = runWindow(args, stderr)
	case "snapshot":
		err = runSnapshot(args, stdout, stderr)
	case "run":
		code, err = runChild(args, stderr)
	case "runs":
		err = runRuns(args, stdout, stderr)
	case "queue":
		err = runQueue(args, stdout, stderr)
	case "daemon":
		err = runDaemon(args, stderr)
	case "version":
		if err = parseNoArgs(newFlags("version", "sysmon version", stderr), args); err == nil {
			fmt.Fprintln(stdout, "sysmon", version)
		}
	case "help":
		if err = parseNoArgs(newFlags("help", "sysmon help", stderr), args); err == nil {
			fmt.Fprint(stdout, usage)
		}
	default:
		fmt.Fprintf(stderr, "sysmon: unknown command %q\n\n%s", verb, usage)
		return 2
	}
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		// The flag package has already printed the problem and the usage
		// for a bad flag; print what it did not.
		if !ue.fromFlags() {
			fmt.Fprintf(stderr, "sysmon: %v\n", err)
		}
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "sysmon:", err)
		return 1
	}
	return code
}

// fromFlags says whether the flag package reported this error itself.
func (e usageError) fromFlags() bool { return errors.Is(e.error, errFlagParse) }

var errFlagParse = errors.New("bad flag")

// newFlags returns a flag set whose errors and --help go to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning a bad flag into a usageError; --help stays
// flag.ErrHelp.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{fmt.Errorf("%w: %w", errFlagParse, err)}
}

// parseNoArgs parses flags and refuses leftover arguments.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// durationFlag is a time.Duration flag whose error says what a duration
// looks like; the flag package's own says only "parse error".
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: use a number with a unit, like 1s, 500ms or 5m", s)
	}
	*f.d = d
	return nil
}

// duration defines a durationFlag.
func duration(fs *flag.FlagSet, name string, def time.Duration, help string) *time.Duration {
	d := def
	fs.Var(durationFlag{&d}, name, help)
	return &d
}

func runSnapshot(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("snapshot", "sysmon snapshot [--json] [--interval D] [--processes N]", stderr)
	top := fs.Int("processes", 0, "also list the top N processes by CPU and by memory")
	asJSON := fs.Bool("json", false, "print JSON (base units) instead of text")
	interval := duration(fs, "interval", sampler.DefaultInterval, "time the rates and percentages are measured over")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if err := sampler.CheckInterval(*interval); err != nil {
		return usageError{err}
	}
	if *top < 0 || *top > 10000 {
		return usageError{fmt.Errorf("--processes %d: must be between 0 and 10000", *top)}
	}
	ctx, stop := signal.NotifyContext(context.Background(), quitSignals...)
	defer stop()
	mc := openMachine(ctx, settings.Defaults())
	defer mc.close()
	src := mc.sources
	if *top > 0 {
		src = append(src, sampler.NewProcessSource(*top))
	}
	s, err := sampler.New(*interval, 2**interval, src...)
	if err != nil {
		return err
	}
	smp := s.Snapshot(ctx)
	if *asJSON {
		return snapshot.JSON(stdout, smp)
	}
	return snapshot.Text(stdout, smp, format.Binary)
}

// machine is everything sampled: the computer, its NVIDIA GPUs, the AFK
// detector and the local model servers, plus the parser that reads token
// statistics off a mirrored command's output.
type machine struct {
	sources []sampler.Source
	tracker *idle.Tracker
	parser  *llm.Parser
	close   func()
}

// openMachine opens the sources for cfg; close releases the GPU library,
// the detector's display or bus connection and the server poller.
func openMachine(ctx context.Context, cfg settings.Settings) *machine {
	g := gpu.Open()
	det := idle.Open(ctx)
	tracker := idle.NewTracker(det, idle.WithThreshold(cfg.AFKAfter))
	poller := llm.NewPoller(llm.PollerConfig{OllamaURL: cfg.OllamaURL, LlamaServerURL: cfg.LlamaServerURL,
		DisableOllama: cfg.OllamaURL == "", DisableLlamaServer: cfg.LlamaServerURL == ""})
	pollCtx, stopPoll := context.WithCancel(ctx)
	go poller.Run(pollCtx, func(llm.ServerStatus) {})
	parser := llm.NewParser(nil)
	src := append(sampler.DefaultSources(sampler.Options{}), sampler.NewGPUSource(g), sampler.NewIdleSource(tracker),
		sampler.NewLLMSource(poller, parser))
	return &machine{sources: src, tracker: tracker, parser: parser, close: func() {
		stopPoll()
		poller.Close()
		_ = det.Close()
		_ = g.Close()
	}}
}

// eachSample calls handle with every new sample, on a goroutine of its own,
// until ctx is done or the returned function is called. A slow handle
// misses samples; it never holds up the sampler.
func eachSample(ctx context.Context, s *sampler.Sampler, handle func(*sampler.Sample)) (stop func()) {
	samples, unsubscribe := s.Subscribe()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case smp, ok := <-samples:
				if !ok {
					return
				}
				handle(smp)
			}
		}
	}()
	return unsubscribe
}
