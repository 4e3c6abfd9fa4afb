// Package record writes every Sample to a CSV file, one row per tick, for
// looking at later in a spreadsheet, pandas or gnuplot.
//
//	rec, err := record.New("sysmon.csv")                 // refuses an existing file
//	rec, err := record.New("sysmon.csv", record.Append()) // or adds to it
//	for s := range samples { if err := rec.Add(s); err != nil { ... } }
//	rec.Close()
//
// The first line is the header. Each row is handed to the operating system
// with a single write as soon as it is added, so a crash of sysmon loses no
// row already added and a power cut at most the rows not yet on disk; a
// torn last row (power cut mid-write) is trimmed when the file is next
// opened with Append. A recording grows as it goes, so unlike sysmon's other
// files it is not written through a temporary file and a rename.
//
// # Columns
//
// Fixed, in this order (Columns). Units are base units. A value that could
// not be read is an empty cell, never 0; so are rates in the first row of a
// sampler run.
//
//	timestamp                 wall time of the reading, RFC 3339 in UTC with milliseconds
//	interval_seconds          monotonic seconds since the previous reading (empty in the first)
//	cpu_percent               busy share of all cores, 0-100
//	mem_used_bytes            RAM in use (total - available)
//	mem_total_bytes           RAM installed
//	swap_used_bytes           swap in use (0 when there is no swap)
//	disk_read_bytes_per_sec   summed over the disks that have a rate this interval
//	disk_write_bytes_per_sec  (empty when none has)
//	net_rx_bytes_per_sec      summed over the interfaces that have a rate, loopback
//	net_tx_bytes_per_sec      included (sampler.NetworkTotals)
//	gpuN_util_percent         N = 0..3, the first four GPUs in NVML index order:
//	gpuN_vram_used_bytes        utilisation 0-100, memory used, board power,
//	gpuN_power_watts            core temperature; all four empty when there is
//	gpuN_temp_celsius           no such GPU or it could not be read
//	idle_state                active, afk or unknown (empty when not detected)
//	tokens_per_second         live LLM generation speed (sampler.LLM.TokensPerSecond)
//
// Numbers are plain decimals (no exponent, '.' as the separator); byte
// counts are integers. No cell ever needs quoting.
package record
