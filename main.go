// Command sysmon is a system monitor for people who run language models on
// their own machines: a Fyne window by default, and a few CLI verbs.
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
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2/app"

	"sysmon/assets"
	"sysmon/console"
	"sysmon/format"
	"sysmon/gpu"
	"sysmon/idle"
	"sysmon/sampler"
	"sysmon/snapshot"
	"sysmon/ui"
)

// version is set at build time from FyneApp.toml (see the Makefile).
var version = "dev"

const usage = `sysmon - a system monitor for running language models locally

Usage:
  sysmon [flags]                                open the window
  sysmon run [flags] -- COMMAND [ARGS...]       open the window and mirror COMMAND's output into its
                                                Console tab; exits with COMMAND's exit code
  sysmon snapshot [--json] [--interval D]       print one sample taken over one interval
  sysmon version                                print the version
  sysmon help                                   show this help

Each verb takes --help. --interval is a Go duration between 250ms and 60s
(default 1s); --afk-after is how long without input counts as away (default 5m).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	verb := "window"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		verb, args = args[0], args[1:]
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
	case "version":
		fmt.Fprintln(stdout, "sysmon", version)
	case "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "sysmon: unknown command %q\n\n%s", verb, usage)
		return 2
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintln(stderr, "sysmon:", err)
		return 2
	}
	return code
}

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

func runSnapshot(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("snapshot", "sysmon snapshot [--json] [--interval D]", stderr)
	asJSON := fs.Bool("json", false, "print JSON (base units) instead of text")
	interval := fs.Duration("interval", sampler.DefaultInterval, "time the rates and percentages are measured over")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	src, closeAll := openSources(ctx, idle.DefaultThreshold)
	defer closeAll()
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

// openSources opens everything sampled: the machine, its NVIDIA GPUs and
// the AFK detector. closeAll releases the GPU library and the detector's
// display or bus connection.
func openSources(ctx context.Context, afkAfter time.Duration) (src []sampler.Source, closeAll func()) {
	g := gpu.Open()
	det := idle.Open(ctx)
	tracker := idle.NewTracker(det, idle.WithThreshold(afkAfter))
	src = append(sampler.DefaultSources(sampler.Options{}), sampler.NewGPUSource(g), sampler.NewIdleSource(tracker))
	return src, func() {
		_ = det.Close()
		_ = g.Close()
	}
}

// appFlags are the flags of the window, shared by the bare command and run.
type appFlags struct {
	interval time.Duration
	afkAfter time.Duration
	lines    int
	hide     string
}

func (f *appFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.interval, "interval", sampler.DefaultInterval, "sampling interval")
	fs.DurationVar(&f.afkAfter, "afk-after", idle.DefaultThreshold, "time without keyboard or mouse input after which you count as away")
	fs.IntVar(&f.lines, "console-lines", console.DefaultMaxLines, "lines the Console tab keeps")
	fs.StringVar(&f.hide, "hide", "", "comma-separated strings: Console lines containing any are hidden")
}

func (f *appFlags) check() error {
	if f.afkAfter <= 0 {
		return fmt.Errorf("--afk-after %v: must be positive", f.afkAfter)
	}
	if f.lines < 100 || f.lines > 1_000_000 {
		return fmt.Errorf("--console-lines %d: must be between 100 and 1000000", f.lines)
	}
	return sampler.CheckInterval(f.interval)
}

func runWindow(args []string, stderr io.Writer) error {
	var f appFlags
	fs := newFlags("sysmon", "sysmon [flags]", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage, "\nWindow flags:\n")
		fs.PrintDefaults()
	}
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	_, err := runApp(f, nil)
	return err
}

// runChild is `sysmon run -- CMD ARGS`: the window, with CMD's output in the
// Console tab; sysmon exits with CMD's exit code.
func runChild(args []string, stderr io.Writer) (int, error) {
	var f appFlags
	fs := newFlags("run", "sysmon run [flags] -- COMMAND [ARGS...]", stderr)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if err := f.check(); err != nil {
		return 0, err
	}
	if fs.NArg() == 0 {
		return 0, errors.New("run: no command given (sysmon run -- COMMAND [ARGS...])")
	}
	return runApp(f, fs.Args())
}

// runApp shows the window until it is closed or sysmon gets SIGTERM, with
// sysmon's own output and, if cmd is given, cmd's mirrored into the Console
// tab. It returns cmd's exit code (127 if it could not start).
func runApp(f appFlags, cmd []string) (int, error) {
	buf := console.NewBuffer(f.lines)
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
	src, closeAll := openSources(ctx, f.afkAfter)
	defer closeAll()
	s, err := sampler.New(f.interval, sampler.DefaultHistory, src...)
	if err != nil {
		return 0, err
	}
	a := app.NewWithID("io.github.sysmon.sysmon")
	a.SetIcon(assets.Icon)
	w := ui.New(a, ui.Options{Sampler: s, Units: format.Binary, Console: buf, Hide: f.hide})
	go s.Run(ctx)
	w.Start(ctx)

	exit := make(chan int, 1)
	if cmd != nil {
		child := console.NewChild(buf, cmd[0], cmd[1:]...)
		if err := child.Start(ctx); err != nil {
			slog.Error(err.Error())
			exit <- 127
		} else {
			slog.Info("started", "command", strings.Join(cmd, " "), "pid", child.Pid())
			go func() {
				code, err := child.Wait()
				if err != nil {
					slog.Error("wait for child", "command", cmd[0], "err", err)
				}
				slog.Info("exited", "command", cmd[0], "code", code)
				exit <- code
			}()
		}
	}

	// SIGTERM and Ctrl-C close the window the normal way, so sysmon exits 0.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		w.Quit()
	}()
	w.Window().ShowAndRun()
	cancel() // ends the child's whole process group if it is still running
	if cmd == nil {
		return 0, nil
	}
	return <-exit, nil
}
