package record

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"

	"sysmon/sampler"
)

// MaxGPUs is how many GPUs get columns.
const MaxGPUs = 4

// TimeFormat is the timestamp column's layout: RFC 3339, milliseconds; it
// is written in UTC.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Columns is the header, in order; see the package documentation.
var Columns = func() []string {
	c := []string{"timestamp", "interval_seconds", "cpu_percent", "mem_used_bytes", "mem_total_bytes",
		"swap_used_bytes", "disk_read_bytes_per_sec", "disk_write_bytes_per_sec", "net_rx_bytes_per_sec",
		"net_tx_bytes_per_sec"}
	for i := range MaxGPUs {
		p := "gpu" + strconv.Itoa(i) + "_"
		c = append(c, p+"util_percent", p+"vram_used_bytes", p+"power_watts", p+"temp_celsius")
	}
	return append(c, "idle_state", "tokens_per_second")
}()

var header = strings.Join(Columns, ",") + "\n"

// Option configures New.
type Option func(*options)

type options struct{ append bool }

// Append adds rows to an existing recording (made with the same columns)
// instead of refusing it; the header is written only when the file is new
// or empty.
func Append() Option { return func(o *options) { o.append = true } }

// Recorder writes samples to a CSV file. It is safe for concurrent use.
type Recorder struct {
	path string

	mu     sync.Mutex
	f      *os.File
	buf    []byte // the row being built, reused
	closed bool
}

// New creates the recording at path (and its directory) and writes the
// header. An existing file is an error matching fs.ErrExist unless Append
// is given.
func New(path string, opts ...Option) (*Recorder, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if o.append {
		if err := prepareAppend(path); err != nil {
			return nil, fmt.Errorf("record to %s: %w", path, err)
		}
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("record to %s: the file exists, and a recording never overwrites one: choose a new file name: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("record to %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() == 0 {
		_, err = io.WriteString(f, header)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("record to %s: %w", path, err)
	}
	return &Recorder{path: path, f: f, buf: make([]byte, 0, 512)}, nil
}

// prepareAppend checks that an existing recording has this version's
// header and trims a torn last row, so that the next row starts on a line
// of its own. A missing or empty file is fine.
func prepareAppend(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	size := fi.Size()
	first, err := bufio.NewReader(io.NewSectionReader(f, 0, size)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if first != header {
		return fmt.Errorf("cannot append: its columns differ from this sysmon's (header %q)", strings.TrimSpace(first))
	}
	tail := make([]byte, min(size, 4096))
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil {
		return err
	}
	if tail[len(tail)-1] == '\n' {
		return nil
	}
	nl := bytes.LastIndexByte(tail, '\n')
	if nl < 0 {
		return errors.New("cannot append: its last row is longer than any row this sysmon writes")
	}
	keep := size - int64(len(tail)) + int64(nl) + 1
	slog.Warn("recording: dropped a partly written last row", "path", path, "bytes", size-keep)
	if err := f.Truncate(keep); err != nil {
		return err
	}
	return f.Sync()
}

// Path is the file being written.
func (r *Recorder) Path() string { return r.path }

// Add writes one row for s.
func (r *Recorder) Add(s *sampler.Sample) error {
	if s == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return fmt.Errorf("record to %s: %w", r.path, os.ErrClosed)
	}
	r.buf = appendRow(r.buf[:0], s)
	if _, err := r.f.Write(r.buf); err != nil {
		return fmt.Errorf("record to %s: %w", r.path, err)
	}
	return nil
}

// Close syncs and closes the file. Further Adds fail.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.f.Sync()
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close recording %s: %w", r.path, err)
	}
	return nil
}

// appendRow appends s as one CSV line (with its newline) to b.
func appendRow(b []byte, s *sampler.Sample) []byte {
	if !s.Time.IsZero() {
		b = s.Time.UTC().AppendFormat(b, TimeFormat)
	}
	b = append(b, ',')
	if s.IntervalSeconds > 0 {
		b = appendFloat(b, &s.IntervalSeconds)
	}
	b = append(b, ',')
	if s.CPU != nil {
		b = appendFloat(b, s.CPU.TotalPercent)
	}
	b = append(b, ',')
	if m := s.Memory; m != nil {
		b = strconv.AppendUint(b, m.UsedBytes, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, m.TotalBytes, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, m.SwapUsedBytes, 10)
	} else {
		b = append(b, ",,"...)
	}
	b = append(b, ',')
	var read, write float64
	var haveRead, haveWrite bool
	for i := range s.Disks {
		if v := s.Disks[i].ReadBytesPerSec; v != nil {
			read, haveRead = read+*v, true
		}
		if v := s.Disks[i].WriteBytesPerSec; v != nil {
			write, haveWrite = write+*v, true
		}
	}
	b = appendOpt(b, read, haveRead)
	b = append(b, ',')
	b = appendOpt(b, write, haveWrite)
	b = append(b, ',')
	rx, tx, ok := sampler.NetworkTotals(s.Network)
	b = appendOpt(b, rx, ok)
	b = append(b, ',')
	b = appendOpt(b, tx, ok)
	for i := range MaxGPUs {
		if s.GPU != nil && s.GPU.Present && i < len(s.GPU.Devices) {
			d := &s.GPU.Devices[i]
			b = append(b, ',')
			b = appendFloat(b, d.UtilizationGPUPercent)
			b = append(b, ',')
			if d.MemoryUsedBytes != nil {
				b = strconv.AppendUint(b, *d.MemoryUsedBytes, 10)
			}
			b = append(b, ',')
			b = appendFloat(b, d.PowerWatts)
			b = append(b, ',')
			b = appendFloat(b, d.TemperatureCelsius)
		} else {
			b = append(b, ",,,,"...)
		}
	}
	b = append(b, ',')
	if s.Idle != nil {
		b = appendText(b, string(s.Idle.State))
	}
	b = append(b, ',')
	if s.LLM != nil {
		b = appendFloat(b, s.LLM.TokensPerSecond())
	}
	return append(b, '\n')
}

func appendFloat(b []byte, p *float64) []byte {
	if p == nil {
		return b
	}
	return appendOpt(b, *p, true)
}

func appendOpt(b []byte, v float64, ok bool) []byte {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return b
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// appendText writes an enum value; anything that would need CSV quoting
// (it never should) is left out rather than break the row.
func appendText(b []byte, s string) []byte {
	if strings.ContainsAny(s, ",\"\r\n") {
		return b
	}
	return append(b, s...)
}
