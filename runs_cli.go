package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"sysmon/format"
	"sysmon/runs"
)

const runsUsage = `Usage:
  sysmon runs list                          the recorded LLM runs, newest first
  sysmon runs show ID                       one run in full
  sysmon runs compare ID ID [ID...]         runs side by side, the best value of each row marked *
  sysmon runs export --csv [--out FILE] [ID...]
                                            runs as CSV (all when no ID is given)
Flags:
  --db FILE   the runs database (default: the user's data folder)
`

// runRuns is `sysmon runs VERB`.
func runRuns(args []string, stdout, stderr io.Writer) error {
	verb, args, fs, dbPath, err := subcommand("runs", runsUsage, "list, show, compare or export", args, stderr)
	if err != nil {
		return err
	}
	asCSV := fs.Bool("csv", false, "export as CSV (the only export format)")
	out := fs.String("out", "", "write the export to FILE instead of standard output")
	if err := parse(fs, args); err != nil {
		return err
	}
	ids, err := parseIDs(fs.Args())
	if err != nil {
		return err
	}
	store, err := openRuns(*dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	ctx := context.Background()
	// A run whose sysmon was killed is shown as interrupted, not running.
	if _, err := store.MarkInterrupted(ctx); err != nil {
		return err
	}
	switch verb {
	case "list":
		if len(ids) > 0 {
			return usageError{errors.New("runs list: takes no ID")}
		}
		list, err := store.List(ctx)
		if err != nil {
			return err
		}
		return printRuns(stdout, list)
	case "show":
		if len(ids) != 1 {
			return usageError{errors.New("runs show: give one run ID")}
		}
		r, err := store.Get(ctx, ids[0])
		if err != nil {
			return err
		}
		printRunHeader(stdout, r)
		return printCompare(stdout, []runs.Summary{r})
	case "compare":
		if len(ids) < 2 {
			return usageError{errors.New("runs compare: give two or more run IDs")}
		}
		var list []runs.Summary
		for _, id := range ids {
			r, err := store.Get(ctx, id)
			if err != nil {
				return err
			}
			list = append(list, r)
		}
		return printCompare(stdout, list)
	case "export":
		if !*asCSV {
			return usageError{errors.New("runs export: say --csv (the export format)")}
		}
		w := stdout
		if *out != "" {
			f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return fmt.Errorf("runs export: %w", err)
			}
			defer f.Close()
			w = f
		}
		return store.ExportCSV(ctx, w, ids...)
	}
	return usageError{fmt.Errorf("runs: unknown command %q (list, show, compare or export)", verb)}
}

func parseIDs(args []string) ([]int64, error) {
	var ids []int64
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return nil, usageError{fmt.Errorf("runs: %q is not a run ID (see sysmon runs list)", a)}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// openRuns opens the runs database; a damaged one has been moved aside by
// runs.Open, which the error says, and is not replaced behind the user's back.
func openRuns(path string) (*runs.Store, error) {
	if path == "" {
		p, err := runs.DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return runs.Open(path)
}

func printRuns(w io.Writer, list []runs.Summary) error {
	if len(list) == 0 {
		fmt.Fprintln(w, "No runs yet: sysmon run -- COMMAND records one, or Start run in the Runs tab.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLABEL\tSTARTED\tDURATION\tSTATE\tTOKENS/S\tJ/TOKEN\tENERGY\tVRAM PEAK")
	for _, r := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Label, r.Start.Local().Format("2006-01-02 15:04"),
			format.Duration(r.DurationSeconds), r.State, format.FloatPtr(r.TokensPerSecond, 1, ""),
			format.FloatPtr(r.JoulesPerToken, 3, "J"), format.FloatPtr(r.EnergyJoules, 0, "J"), format.BytesPtr(r.VRAMPeakBytes))
	}
	return tw.Flush()
}

// printRunHeader prints what `runs show` tells beyond the compare table:
// the command, when it ran and how it ended.
func printRunHeader(w io.Writer, r runs.Summary) {
	cmd := "none (started by hand)"
	if len(r.Command) > 0 {
		cmd = format.CommandLine(r.Command)
	}
	end, exit := "still running, or cut off", "n/a"
	if r.End != nil {
		end = r.End.Local().Format("2006-01-02 15:04:05")
	}
	if r.ExitCode != nil {
		exit = strconv.Itoa(*r.ExitCode)
	}
	fmt.Fprintf(w, "Run %d: %s\nCommand    %s\nStarted    %s\nEnded      %s\nExit code  %s\n\n",
		r.ID, r.Label, cmd, r.Start.Local().Format("2006-01-02 15:04:05"), end, exit)
}

func printCompare(w io.Writer, list []runs.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := []string{""}
	for _, r := range list {
		head = append(head, fmt.Sprintf("#%d %s", r.ID, r.Label))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, row := range runs.Compare(list...) {
		cells := []string{row.Name}
		for _, c := range row.Cells {
			text := row.Format(c, format.Binary)
			if c.Best {
				text += " *"
			}
			cells = append(cells, text)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
