package procs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/common"
	"golang.org/x/sys/unix"
)

// userHZ is the unit of the tick counts in /proc/PID/stat. The kernel fixes
// it at 100 for user space on every architecture Go supports, whatever HZ
// it was built with.
const userHZ = 100

// Read limits: a stat line is well under 1 KiB and status about 1.5 KiB.
// Command lines can be huge (long Java class paths); past maxCommand bytes
// the rest is dropped so thousands of them cannot hold megabytes.
const (
	maxStat    = 4 << 10
	maxStatus  = 16 << 10
	maxCommand = 32 << 10
	maxSystem  = 1 << 20 // /proc/stat grows with CPUs and interrupts
)

// osScanner reads /proc directly: gopsutil's process package costs several
// file reads and allocations per process and value, too much for thousands
// of processes every refresh. A known process costs one read of its stat
// file per scan; status and cmdline are read once per process.
type osScanner struct {
	entries  map[int32]*entry
	users    map[uint32]string
	gen      uint64 // scan counter; entries not seen in a scan are dropped
	buf      []byte // read buffer reused by every file read
	pageSize uint64

	lookupUser func(uid uint32) string
	afterList  func() // test hook: runs between listing /proc and reading it
}

// entry is what a scan keeps about one process for the next.
type entry struct {
	gen        uint64
	startTicks uint64 // with the PID, identifies the process across scans
	read       bool   // name, user and command are filled in
	comm       string // raw comm, to notice an exec
	name       string
	user       string
	command    string

	cpuTicks uint64 // utime+stime at cpuAt
	cpuAt    time.Time
}

func newOSScanner() osScanner {
	return osScanner{
		entries:    map[int32]*entry{},
		users:      map[uint32]string{},
		buf:        make([]byte, maxStat),
		pageSize:   uint64(os.Getpagesize()),
		lookupUser: userName,
	}
}

// values holds the optional numbers of every process of one scan in one
// allocation; Process fields point into it.
type values struct {
	cpu, core float64
	rss       uint64
	threads   int32
	start     time.Time
}

func (o *osScanner) scan(ctx context.Context, now time.Time) ([]Process, error) {
	root := hostProc(ctx)
	btime, cores := o.readSystem(root)
	dir, err := os.Open(root)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	if o.afterList != nil {
		o.afterList()
	}
	dirfd := int(dir.Fd())
	o.gen++
	vals := make([]values, len(names))
	list := make([]Process, 0, len(names))
	for i, name := range names {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("scan processes: %w", err)
			}
		}
		pid, err := strconv.ParseInt(name, 10, 32)
		if err != nil || pid <= 0 {
			continue // not a process directory
		}
		data, err := o.readFile(dirfd, name+"/stat", maxStat, true)
		if err != nil {
			continue // exited since the listing, or hidden from us
		}
		st, ok := parseStat(data)
		if !ok {
			continue // nothing to identify the process by
		}
		p := Process{PID: int32(pid), PPID: int32(st.ppid), State: stateName(st.state)}
		e := o.remember(dirfd, name, p.PID, &st)
		p.Name, p.User, p.Command = e.name, e.user, e.command

		v := &vals[len(list)]
		if st.fields > fieldStart {
			ticks := st.utime + st.stime
			// Without a previous reading of the same process (same start
			// time) there is no interval, and a counter that went backwards
			// says nothing about it: both give no value, never 0 or a spike.
			if !e.cpuAt.IsZero() && ticks >= e.cpuTicks {
				used := float64(ticks-e.cpuTicks) / userHZ
				if core, machine, ok := cpuPercents(used, now.Sub(e.cpuAt).Seconds(), cores); ok {
					v.core, p.CPUCorePercent = core, &v.core
					if cores > 0 {
						v.cpu, p.CPUPercent = machine, &v.cpu
					}
				}
			}
			e.cpuTicks, e.cpuAt = ticks, now
			if btime > 0 {
				v.start = time.Unix(btime+int64(st.start/userHZ), 0)
				p.StartTime = &v.start
			}
		}
		if st.fields > fieldThreads {
			v.threads, p.Threads = int32(st.threads), &v.threads
		}
		if st.fields > fieldRSS {
			v.rss, p.RSSBytes = st.rss*o.pageSize, &v.rss
		}
		list = append(list, p)
	}
	for pid, e := range o.entries {
		if e.gen != o.gen {
			delete(o.entries, pid)
		}
	}
	return list, nil
}

// remember returns the cache entry of the process described by st, reading
// its user and command line when the process is new. A PID whose start time
// changed is a new process that reused the number. A changed comm means the
// process ran exec (a shell's child becoming `sleep`), which also changes the
// command line and possibly the user, so those are read again. Without a
// start time nothing can be matched and nothing is kept between scans.
func (o *osScanner) remember(dirfd int, name string, pid int32, st *stat) *entry {
	e := o.entries[pid]
	if e == nil || st.fields <= fieldStart || e.startTicks != st.start {
		e = &entry{startTicks: st.start}
		if st.fields > fieldStart {
			o.entries[pid] = e
		} else {
			delete(o.entries, pid)
		}
	}
	e.gen = o.gen
	if e.read && e.comm == string(st.comm) {
		return e
	}
	e.read, e.comm = true, string(st.comm)
	e.name = strings.ToValidUTF8(e.comm, "\uFFFD")
	e.user = ""
	if data, err := o.readFile(dirfd, name+"/status", maxStatus, false); err == nil {
		if uid, ok := parseEUID(data); ok {
			e.user = o.userName(uid)
		}
	}
	e.command = ""
	if data, err := o.readFile(dirfd, name+"/cmdline", maxCommand, false); err == nil {
		e.command = joinCmdline(data, len(data) >= maxCommand)
		if e.command == "" {
			e.command = "[" + e.name + "]"
		}
	}
	return e
}

func (o *osScanner) userName(uid uint32) string {
	name, ok := o.users[uid]
	if !ok {
		name = o.lookupUser(uid)
		o.users[uid] = name
	}
	return name
}

// userName is the login name of uid, or the number itself when it has none,
// as ps shows it.
func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return id
}

// readSystem reads the boot time (seconds since the epoch) and the number
// of online CPUs from /proc/stat; either is 0 when unknown. They are read
// every scan because CPUs can go offline and the boot time moves when the
// wall clock is set.
func (o *osScanner) readSystem(root string) (btime int64, cores int) {
	fd, err := unix.Open(filepath.Join(root, "stat"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0
	}
	defer unix.Close(fd)
	data, err := o.readFD(fd, maxSystem, false)
	if err != nil {
		return 0, 0
	}
	for line := range bytes.Lines(data) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			btime, _ = strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
		} else if len(line) > 3 && string(line[:3]) == "cpu" && line[3] >= '0' && line[3] <= '9' {
			cores++
		}
	}
	return btime, cores
}

// readFile reads a file below dirfd into o.buf and returns its contents,
// valid until the next read. It uses bare syscalls because os.ReadFile adds
// an fstat, a poller registration and an allocation per file, which at
// thousands of processes per scan is most of the cost.
func (o *osScanner) readFile(dirfd int, name string, limit int, oneLine bool) ([]byte, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return o.readFD(fd, limit, oneLine)
}

// readFD reads fd to its end or to limit bytes. With oneLine it stops at the
// first read that ends in a newline: procfs hands over a whole stat line in
// one read, and this saves the read that would only confirm the end.
func (o *osScanner) readFD(fd, limit int, oneLine bool) ([]byte, error) {
	n := 0
	for n < limit {
		if n == len(o.buf) {
			o.buf = append(o.buf, make([]byte, min(len(o.buf), limit-n))...)
		}
		m, err := unix.Read(fd, o.buf[n:min(len(o.buf), limit)])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if m == 0 {
			break
		}
		n += m
		if oneLine && o.buf[n-1] == '\n' {
			break
		}
	}
	return o.buf[:n], nil
}

// stat holds the fields of /proc/PID/stat that a scan uses. fields counts
// the fields after the name that were present and numeric, so a truncated
// file gives the values before the cut and no others.
type stat struct {
	comm         []byte // points into the read buffer
	state        byte
	ppid         uint64
	utime, stime uint64
	threads      uint64
	start        uint64 // clock ticks after boot
	rss          uint64 // pages
	fields       int
}

// Indexes of fields after the name, counting state as 0: the proc(5) field
// number minus 3.
const (
	fieldPPID    = 1
	fieldUtime   = 11
	fieldStime   = 12
	fieldThreads = 17
	fieldStart   = 19
	fieldRSS     = 21
)

// field is where the value of field i goes, or nil for a field not used.
func (st *stat) field(i int) *uint64 {
	switch i {
	case fieldPPID:
		return &st.ppid
	case fieldUtime:
		return &st.utime
	case fieldStime:
		return &st.stime
	case fieldThreads:
		return &st.threads
	case fieldStart:
		return &st.start
	case fieldRSS:
		return &st.rss
	}
	return nil
}

// parseStat parses one /proc/PID/stat line. The name is whatever lies
// between the first '(' and the last ')': the kernel does not escape it, so
// a process named `x) R 99 99` writes a line whose naive split is wrong, but
// no field after the name can contain ')'. It needs at least the state and
// the parent PID.
func parseStat(data []byte) (stat, bool) {
	var st stat
	open := bytes.IndexByte(data, '(')
	end := bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return st, false
	}
	st.comm = data[open+1 : end]
	rest := data[end+1:]
	for i := 0; i <= fieldRSS; i++ {
		for len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		j := 0
		for j < len(rest) && rest[j] != ' ' && rest[j] != '\n' {
			j++
		}
		f := rest[:j]
		rest = rest[j:]
		if len(f) == 0 {
			break
		}
		if i == 0 {
			st.state = f[0]
			st.fields++
			continue
		}
		// tpgid, priority and nice can be negative; the fields used cannot.
		neg := f[0] == '-'
		if neg {
			f = f[1:]
		}
		v, ok := parseUint(f)
		if !ok {
			break
		}
		if dst := st.field(i); dst != nil {
			if neg {
				break
			}
			*dst = v
		}
		st.fields++
	}
	return st, st.fields > fieldPPID
}

// parseUint parses a decimal field without allocating.
func parseUint(f []byte) (uint64, bool) {
	if len(f) == 0 || len(f) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range f {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// parseEUID finds the effective user id in /proc/PID/status: the second
// number of the "Uid:" line, the owner ps and top show.
func parseEUID(data []byte) (uint32, bool) {
	for line := range bytes.Lines(data) {
		if v, ok := bytes.CutPrefix(line, []byte("Uid:")); ok {
			f := bytes.Fields(v)
			if len(f) < 2 {
				return 0, false
			}
			uid, err := strconv.ParseUint(string(f[1]), 10, 32)
			return uint32(uid), err == nil
		}
	}
	return 0, false
}

// joinCmdline turns the NUL-separated arguments of /proc/PID/cmdline into
// one line. A process that rewrote its arguments (setproctitle) may leave
// trailing NULs or put everything in the first one; both read naturally.
func joinCmdline(data []byte, truncated bool) string {
	data = bytes.TrimRight(data, "\x00")
	s := strings.ToValidUTF8(strings.ReplaceAll(string(data), "\x00", " "), "\uFFFD")
	if truncated && s != "" {
		s += "…"
	}
	return s
}

// stateName spells out the state letter of /proc/PID/stat (proc(5)).
func stateName(c byte) string {
	switch c {
	case 'R':
		return "running"
	case 'S':
		return "sleeping"
	case 'D':
		return "disk sleep"
	case 'T':
		return "stopped"
	case 't':
		return "tracing stop"
	case 'Z':
		return "zombie"
	case 'X', 'x':
		return "dead"
	case 'I':
		return "idle"
	case 'P':
		return "parked"
	case 'W':
		return "waking"
	case 'K':
		return "wakekill"
	}
	return string(c)
}

// ownerName names the user that owns pid, or "" when that cannot be read.
func ownerName(pid int32) string {
	data, err := os.ReadFile(filepath.Join(hostProc(context.Background()), strconv.Itoa(int(pid)), "status"))
	if err != nil {
		return ""
	}
	if uid, ok := parseEUID(data); ok {
		return userName(uid)
	}
	return ""
}

// hostProc is the /proc root, honouring HOST_PROC from the context or the
// environment the way gopsutil does, so tests can point a scan at a fixture.
func hostProc(ctx context.Context) string {
	if env, ok := ctx.Value(common.EnvKey).(common.EnvMap); ok && env[common.HostProcEnvKey] != "" {
		return env[common.HostProcEnvKey]
	}
	if root := os.Getenv(string(common.HostProcEnvKey)); root != "" {
		return root
	}
	return "/proc"
}

// StartTime is when process pid started, in clock ticks after boot. With
// the PID it names one process for the life of the machine, so that a
// process recorded earlier can be told from a later one given the same id.
func StartTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	st, ok := parseStat(b)
	if !ok || st.fields <= fieldStart {
		return 0, fmt.Errorf("process %d: malformed stat line", pid)
	}
	return st.start, nil
}
