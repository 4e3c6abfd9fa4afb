package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sysmon/format"
	"sysmon/jobs"
)

const queueUsage = `Usage:
  sysmon queue add [flags] -- COMMAND [ARGS...]   queue a job (runs while you are away, by default)
  sysmon queue list [--all=false]                 the queue, then the jobs that ended
  sysmon queue cancel ID                          cancel a job (a running one is ended)
  sysmon queue logs ID [--follow]                 a job's output; --follow waits for more until it ends
  sysmon queue move ID --to N                     put a waiting job at place N (1 is next)
  sysmon queue run-now ID                         start a waiting job as soon as a slot is free,
                                                  whatever its conditions

Flags of add:
  --name NAME            a name for the job (default: the command's name)
  --when idle|now        idle (default): start once you have been away --idle-for;
                         now: start as soon as the other conditions hold
  --idle-for D           how long you must be away (default: the AFK threshold, 5m)
  --max-gpu P            every GPU's utilization at most P %
  --min-free-vram SIZE   some GPU has at least SIZE free (8GiB, 500MB, ...)
  --max-cpu P            total CPU use at most P % (with one job at a time, other programs' use)
  --on-ac                only on mains power, not on battery
  --on-return pause|keep|stop
                         when you come back: pause the job (default) and continue it when you
                         leave again, keep it running, or stop it and run it again later
  --on-interrupt requeue|fail
                         if sysmon dies while the job runs: run it again (default), or end it
  --dir DIR              working directory (default: the current one)
  --env KEY=VALUE        add to the job's environment (repeatable)
  --shell                run the arguments as one /bin/sh script (default: no shell)

Every verb takes --db FILE (default: the user's data folder, as sysmon runs).
The jobs run in the window's or sysmon daemon's scheduler, whichever holds the queue.
`

// subcommand splits `sysmon GROUP VERB ...`: with no verb, or one that asks
// for help, it prints usage; otherwise it returns the verb, its arguments and
// a flag set that already takes --db.
func subcommand(group, usage, verbs string, args []string, stderr io.Writer) (verb string, rest []string, fs *flag.FlagSet, db *string, err error) {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return "", nil, nil, nil, usageError{fmt.Errorf("%s: which one? %s", group, verbs)}
		}
		return "", nil, nil, nil, flag.ErrHelp
	}
	verb, rest = args[0], args[1:]
	fs = newFlags(group+" "+verb, "sysmon "+group+" "+verb, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	db = fs.String("db", "", "the database (default: the user's data folder)")
	return verb, rest, fs, db, nil
}

// runQueue is `sysmon queue VERB`.
func runQueue(args []string, stdout, stderr io.Writer) error {
	verb, args, fs, dbPath, err := subcommand("queue", queueUsage, "add, list, cancel, logs, move or run-now", args, stderr)
	if err != nil {
		return err
	}
	switch verb {
	case "add":
		return queueAdd(fs, dbPath, args, stdout)
	case "list":
		all := fs.Bool("all", true, "also the jobs that ended")
		if err := parseNoArgs(fs, args); err != nil {
			return err
		}
		return withQueue(*dbPath, func(ctx context.Context, q *jobs.Queue) error {
			list, err := q.List(ctx, *all)
			if err != nil {
				return err
			}
			return printJobs(stdout, list, q.Holder())
		})
	case "cancel", "logs", "move", "run-now":
	default:
		fmt.Fprint(stderr, queueUsage)
		return usageError{fmt.Errorf("queue: unknown command %q (add, list, cancel, logs, move or run-now)", verb)}
	}
	follow := fs.Bool("follow", false, "logs: keep printing what the job writes until it ends")
	to := fs.Int("to", 0, "move: the place to put the job at, 1 is next")
	id, err := parseJobID(fs, args)
	if err != nil {
		return err
	}
	if *follow && verb != "logs" {
		return usageError{fmt.Errorf("queue %s: --follow is for logs", verb)}
	}
	if *to != 0 && verb != "move" {
		return usageError{fmt.Errorf("queue %s: --to is for move", verb)}
	}
	switch {
	case verb == "move" && *to == 0:
		return usageError{errors.New("queue move: say where with --to N (1 is next)")}
	case verb == "move" && *to < 0:
		return usageError{fmt.Errorf("queue move: --to %d: places start at 1 (1 is next)", *to)}
	}
	return withQueue(*dbPath, func(ctx context.Context, q *jobs.Queue) error {
		switch verb {
		case "cancel":
			j, err := q.Cancel(ctx, id)
			if err != nil {
				return err
			}
			if j.State.Ended() {
				fmt.Fprintf(stdout, "Cancelled job %d (%s).\n", j.ID, j.Name)
			} else {
				fmt.Fprintf(stdout, "Job %d (%s) is %s; %s ends it now.\n", j.ID, j.Name, j.State, schedulerName(q.Holder()))
			}
			return nil
		case "move":
			place, err := q.Move(ctx, id, *to)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Job %d is now at place %d of the waiting jobs.\n", id, place)
			return nil
		case "run-now":
			if err := q.RunNow(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Job %d starts as soon as a slot is free (%s).\n", id, schedulerName(q.Holder()))
			return nil
		}
		return printLog(ctx, stdout, stderr, q, id, *follow)
	})
}

// parseJobID parses flags around the one job ID the verb takes: the flag
// package stops at the first argument that is not a flag, so the flags
// after the ID are parsed in a second pass.
func parseJobID(fs *flag.FlagSet, args []string) (int64, error) {
	if err := parse(fs, args); err != nil {
		return 0, err
	}
	if fs.NArg() == 0 {
		return 0, usageError{fmt.Errorf("%s: give a job ID (see sysmon queue list)", fs.Name())}
	}
	arg := fs.Arg(0)
	if err := parseNoArgs(fs, fs.Args()[1:]); err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError{fmt.Errorf("%s: %q is not a job ID (see sysmon queue list)", fs.Name(), arg)}
	}
	return id, nil
}

// withQueue opens the database's queue for f, with Ctrl-C cancelling it.
func withQueue(dbPath string, f func(context.Context, *jobs.Queue) error) error {
	store, err := openRuns(dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	q, err := jobs.Open(store)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), quitSignals...)
	defer stop()
	return f(ctx, q)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// percentFlag is an optional percentage.
type percentFlag struct{ p **float64 }

func (f percentFlag) String() string { return "" }
func (f percentFlag) Set(s string) error {
	v, err := format.ParsePercent(s)
	if err != nil {
		return err
	}
	*f.p = &v
	return nil
}

// bytesFlag is an optional size such as 8GiB or 500MB.
type bytesFlag struct{ b **uint64 }

func (f bytesFlag) String() string { return "" }
func (f bytesFlag) Set(s string) error {
	v, err := format.ParseBytes(s)
	if err != nil {
		return err
	}
	*f.b = &v
	return nil
}

// optDuration is an optional duration.
type optDuration struct{ d **time.Duration }

func (f optDuration) String() string { return "" }
func (f optDuration) Set(s string) error {
	var d time.Duration
	if err := (durationFlag{&d}).Set(s); err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("%q: a duration that is not negative", s)
	}
	*f.d = &d
	return nil
}

func queueAdd(fs *flag.FlagSet, dbPath *string, args []string, stdout io.Writer) error {
	var j jobs.Job
	var env stringList
	fs.StringVar(&j.Name, "name", "", "a name for the job")
	when := fs.String("when", string(jobs.WhenIdle), "idle or now")
	fs.Var(optDuration{&j.Conditions.IdleFor}, "idle-for", "how long you must be away")
	fs.Var(percentFlag{&j.Conditions.MaxGPUPercent}, "max-gpu", "every GPU's utilization at most this %")
	fs.Var(bytesFlag{&j.Conditions.MinFreeVRAM}, "min-free-vram", "some GPU has at least this much free memory")
	fs.Var(percentFlag{&j.Conditions.MaxCPUPercent}, "max-cpu", "total CPU use at most this %")
	fs.BoolVar(&j.Conditions.OnAC, "on-ac", false, "only on mains power")
	onReturn := fs.String("on-return", string(jobs.ReturnPause), "pause, keep or stop")
	onInterrupt := fs.String("on-interrupt", string(jobs.InterruptRequeue), "requeue or fail")
	dir := fs.String("dir", "", "working directory")
	fs.Var(&env, "env", "KEY=VALUE")
	shell := fs.Bool("shell", false, "run the arguments as one /bin/sh script")
	if err := parse(fs, args); err != nil {
		return err
	}
	j.Argv = fs.Args()
	if len(j.Argv) == 0 {
		return usageError{errors.New("queue add: give the command after --, e.g. sysmon queue add -- llama-bench -m model.gguf")}
	}
	if *shell {
		j.Argv = []string{"/bin/sh", "-c", strings.Join(j.Argv, " ")}
	}
	j.When, j.OnReturn, j.OnInterrupt = jobs.When(*when), jobs.OnReturn(*onReturn), jobs.OnInterrupt(*onInterrupt)
	j.Env = env
	j.Dir = *dir
	if j.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("queue add: working directory: %w", err)
		}
		j.Dir = wd
	}
	if abs, err := filepath.Abs(j.Dir); err == nil {
		j.Dir = abs
	}
	if err := j.Validate(); err != nil {
		return usageError{fmt.Errorf("queue add: %w", err)}
	}
	return withQueue(*dbPath, func(ctx context.Context, q *jobs.Queue) error {
		added, err := q.Add(ctx, j)
		if err != nil {
			return err
		}
		list, err := q.List(ctx, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Queued job %d (%s), place %d; %s. Log: %s\n", added.ID, added.Name, len(list),
			added.StartsWhen(), added.LogPath)
		if q.Holder() == "" {
			fmt.Fprintln(stdout, "No scheduler is running: start sysmon or sysmon daemon to run the queue.")
		}
		return nil
	})
}

// schedulerName says who runs the queue, for messages.
func schedulerName(holder string) string {
	if holder == "" {
		return "the next sysmon to start"
	}
	return holder
}

func printJobs(w io.Writer, list []jobs.Job, holder string) error {
	if len(list) == 0 {
		fmt.Fprintln(w, "The queue is empty: sysmon queue add -- COMMAND adds a job.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tSINCE\tCOMMAND\tDETAIL")
	for _, j := range list {
		since := j.Created
		if !j.Started.IsZero() {
			since = j.Started
		}
		if !j.Ended.IsZero() {
			since = j.Ended
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.Name, j.State, since.Local().Format("2006-01-02 15:04"),
			shorten(format.CommandLine(j.Argv), 40), j.Detail())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nScheduler: %s.\n", schedulerName(holder))
	return nil
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// printLog copies job id's log to w; with follow it goes on printing what
// is appended until the job has ended (or Ctrl-C).
func printLog(ctx context.Context, w, note io.Writer, q *jobs.Queue, id int64, follow bool) error {
	j, err := q.Get(ctx, id)
	if err != nil {
		return err
	}
	if j.Attempts == 0 && !j.State.Ended() {
		if !follow {
			fmt.Fprintf(w, "Job %d has not started yet, so it has no output.\n", id)
			return nil
		}
		fmt.Fprintf(note, "Job %d has not started yet (%s); waiting for its output. Ctrl-C stops waiting.\n", id, j.Detail())
	}
	var f *os.File
	for {
		if f == nil {
			// A job gets its log file when it is added; one queued by an
			// older sysmon has none until it starts.
			f, err = os.Open(j.LogPath)
			switch {
			case err == nil:
				defer f.Close()
			case !errors.Is(err, os.ErrNotExist):
				return fmt.Errorf("job %d log: %w", id, err)
			}
		}
		if f != nil {
			if _, err := io.Copy(w, f); err != nil {
				return fmt.Errorf("job %d log: %w", id, err)
			}
		}
		if !follow || j.State.Ended() {
			// The end was read before the last copy, so nothing is missed.
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(250 * time.Millisecond):
		}
		if j, err = q.Get(ctx, id); err != nil {
			return err
		}
	}
}
