// Package runs records LLM runs in an embedded SQLite database so that
// models and quantisations can be compared run by run.
//
// A run is a labelled time window (label, command, start, end, state, exit
// code) with aggregates computed from the samples that arrive while it is
// open, and a time series with one row per sample for overlaid charts.
//
//	st, err := runs.Open(path)          // path from runs.DefaultPath()
//	n, err := st.MarkInterrupted(ctx)   // at startup: runs a crash left "running"
//	r, err := st.Start("llama3 q4_K_M", argv, time.Now())
//	for s := range samples { r.Add(s, tick.Mono) }
//	r.Finish(&exitCode, time.Now())
//	list, err := st.List(ctx); rows := runs.Compare(list[0], list[1])
//
// # Storage
//
// The database is modernc.org/sqlite (pure Go) in WAL mode with
// synchronous=NORMAL, a busy timeout and BEGIN IMMEDIATE write
// transactions, so several sysmon processes can add runs to one file at the
// same time. A run buffers its series rows and writes them with its
// aggregates every WithFlushInterval (2 s) of sample time, and everything
// at Finish: a crash or kill -9 loses at most that much. While a run is
// open its writer holds an OS lock on <db>.locks/<token> (flock,
// LockFileEx), which the OS drops when the process dies; MarkInterrupted
// turns running runs whose lock it can take into interrupted ones and
// leaves live ones alone. A file that is not a database or fails
// PRAGMA quick_check is renamed to <db>.corrupt-<UTC time> (with its -wal
// and -shm) and reported as a *CorruptError; it is never emptied.
//
// Schema (version 2, in PRAGMA user_version; times are Unix milliseconds,
// bytes are integers, absent values are NULL; version 1 had no jobs table):
//
//	runs (
//	  id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT, command TEXT (argv as JSON),
//	  state TEXT ('running' | 'done' | 'interrupted'), started_ms, ended_ms, last_sample_ms,
//	  exit_code, lock_token TEXT, samples,
//	  cpu_avg_percent, cpu_peak_percent, ram_peak_bytes, vram_peak_bytes, gpu_util_avg_percent,
//	  energy_joules, energy_source TEXT ('counter' | 'power' | 'mixed'),
//	  prompt_tokens, generated_tokens, tokens_per_second, joules_per_token)
//	run_points (
//	  run_id REFERENCES runs ON DELETE CASCADE, seq, seconds (since the run's start),
//	  cpu_percent, mem_used_bytes, gpu_util_percent, vram_used_bytes, power_watts,
//	  tokens_per_second, PRIMARY KEY (run_id, seq)) WITHOUT ROWID
//	jobs (
//	  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, argv TEXT (JSON array), dir TEXT,
//	  env TEXT (JSON array of KEY=VALUE), start_when TEXT ('idle' | 'now'),
//	  idle_for_ms, max_gpu_percent, min_free_vram_bytes, max_cpu_percent, on_ac (0 | 1),
//	  on_return TEXT ('pause' | 'keep' | 'stop'), on_interrupt TEXT ('requeue' | 'fail'),
//	  position (lowest pending starts first), state TEXT ('queued' | 'waiting' | 'running' |
//	  'paused' | 'done' | 'failed' | 'cancelled' | 'interrupted'), message TEXT,
//	  created_ms, started_ms, ended_ms, exit_code, attempts, log_path TEXT,
//	  run_id REFERENCES runs ON DELETE SET NULL, pid, pid_start, cancel_requested (0 | 1),
//	  run_now (0 | 1: start at once, whatever the conditions))
//	  INDEX jobs_state_position (state, position)
//
// The jobs table belongs to package jobs, which reaches it through DB; it
// is created here so that one migration history covers the whole file.
//
// # Aggregates
//
//   - CPU average and peak: over the samples' CPU.TotalPercent (machine-wide).
//   - RAM peak: highest Memory.UsedBytes.
//   - VRAM peak: highest per-sample sum of MemoryUsedBytes over the GPUs,
//     counted only in samples where every GPU reports it (a partial sum
//     would understate it). Power is summed the same way.
//   - GPU average: per sample the mean UtilizationGPUPercent of the GPUs
//     that report it, averaged over the samples.
//   - Energy: for each interval between two samples (monotonic time), the
//     sum over GPUs of the EnergyJoules counter deltas when every GPU has a
//     counter in both samples and none went backwards; otherwise, when
//     every GPU reports power, summed power x interval; otherwise the
//     interval adds nothing. Absent when no interval had either;
//     EnergySource says which was used. The energy is the GPUs' only (NVML
//     has no CPU or wall-socket figure).
//   - Tokens: the latest LLM.Console statistics of the run (prompt and
//     generated tokens, generation tokens/s); the caller gives each run its
//     own llm.Parser, as `sysmon run` does. J/token is energy divided by
//     generated tokens, prompt processing and loading included.
//
// Compare returns rows for a side-by-side table with the best run of each
// metric marked; ExportCSV writes summaries with ExportColumns.
package runs
