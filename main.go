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
	"sysmon/sampler"
	"sysmon/snapshot"
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
	src, _, closeAll := openSources(ctx, idle.DefaultThreshold)
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
func openSources(ctx context.Context, afkAfter time.Duration) (src []sampler.Source, tracker *idle.Tracker, closeAll func()) {
	g := gpu.Open()
	det := idle.Open(ctx)
	tracker = idle.NewTracker(det, idle.WithThreshold(afkAfter))
	src = append(sampler.DefaultSources(sampler.Options{}), sampler.NewGPUSource(g), sampler.NewIdleSource(tracker))
	return src, tracker, func() {
		_ = det.Close()
		_ = g.Close()
	}
}
