package procs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/common"
)

// fixtureBoot is the btime of every fixture /proc/stat.
const fixtureBoot = 1_700_000_000

// procCtx points a scan at a fixture /proc tree.
func procCtx(dir string) context.Context {
	return context.WithValue(context.Background(), common.EnvKey,
		common.EnvMap{common.HostProcEnvKey: dir})
}

func fixture(name string) context.Context {
	return procCtx(filepath.Join("testdata", "linux", name))
}

// fakeClock is a monotonic clock the test steps by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) step(d time.Duration) { c.t = c.t.Add(d) }

func fixtureUsers(uid uint32) string { return map[uint32]string{0: "root", 1000: "alice"}[uid] }

func byPID(list []Process) map[int32]Process {
	m := make(map[int32]Process, len(list))
	for _, p := range list {
		m[p.PID] = p
	}
	return m
}

// newFixtureScanner is a Scanner on a hand-stepped clock whose user names do
// not depend on this machine's /etc/passwd.
func newFixtureScanner() (*Scanner, *fakeClock) {
	c := &fakeClock{t: time.Now()}
	s := NewScanner()
	s.now = c.now
	s.sys.lookupUser = fixtureUsers
	return s, c
}

func mustScan(t testing.TB, s *Scanner, ctx context.Context) []Process {
	t.Helper()
	list, err := s.Scan(ctx)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return list
}

func TestParseStat(t *testing.T) {
	cases := []struct {
		line       string
		comm       string
		state      byte
		ppid       uint64
		fields     int
		utime      uint64
		start, rss uint64
	}{
		{"100 (x) R 99 99) S 1 100 100 0 -1 4194560 120 0 0 0 7 3 0 0 20 0 1 0 12345 8388608 512 18446744073709551615\n",
			"x) R 99 99", 'S', 1, 22, 7, 12345, 512},
		{"101 (a) b (c) S 100 101 101 0 -1 4194560 120 0 0 0 7 3 0 0 20 0 1 0 12346 8388608 300 0\n",
			"a) b (c", 'S', 100, 22, 7, 12346, 300},
		{"5 ()) R 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 -100 -20 3 0 1 0 0 0", ")", 'R', 0, 22, 0, 1, 0},
		{"6 (() Z 1 6 6", "(", 'Z', 1, 4, 0, 0, 0},
		{"7 (multi\nline) S 1 7", "multi\nline", 'S', 1, 3, 0, 0, 0},
	}
	for _, c := range cases {
		st, ok := parseStat([]byte(c.line))
		if !ok || string(st.comm) != c.comm || st.state != c.state || st.ppid != c.ppid ||
			st.fields != c.fields || st.utime != c.utime || st.start != c.start || st.rss != c.rss {
			t.Errorf("parseStat(%q) = %+v (comm %q) ok=%v", c.line, st, st.comm, ok)
		}
	}
	for _, bad := range []string{"", "1 (no close S 1", "1 x) S 1", "1 (name)", "1 (name) S", "1 (name) S -1 1", "1 (name) S x 1"} {
		if st, ok := parseStat([]byte(bad)); ok {
			t.Errorf("parseStat(%q) accepted: %+v", bad, st)
		}
	}
}

func TestParseEUIDAndCmdline(t *testing.T) {
	if uid, ok := parseEUID([]byte("Name:\tsu\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n")); !ok || uid != 0 {
		t.Errorf("euid = %d, %v; want the effective id 0", uid, ok)
	}
	if _, ok := parseEUID([]byte("Name:\tx\n")); ok {
		t.Error("euid found in a status without a Uid line")
	}
	for in, want := range map[string]string{
		"/bin/sleep\x0030\x00":          "/bin/sleep 30",
		"nginx: worker process\x00\x00": "nginx: worker process",
		"":                              "",
		"bad\xffbyte\x00":               "bad\uFFFDbyte",
	} {
		if got := joinCmdline([]byte(in), false); got != want {
			t.Errorf("joinCmdline(%q) = %q, want %q", in, got, want)
		}
	}
	if got := joinCmdline([]byte("java\x00-cp\x00a:b"), true); got != "java -cp a:b…" {
		t.Errorf("truncated command = %q", got)
	}
}

// TestScanP1Fixture: names with spaces and parentheses come out exactly,
// and nothing after them is shifted.
func TestScanP1Fixture(t *testing.T) {
	s, _ := newFixtureScanner()
	got := byPID(mustScan(t, s, fixture("p1-names")))
	if len(got) != 8 {
		t.Fatalf("got %d processes, want 8: %+v", len(got), got)
	}
	want := []struct {
		pid     int32
		name    string
		ppid    int32
		state   string
		user    string
		command string
		threads int32
		rss     uint64 // pages
		start   int64  // seconds after boot
	}{
		{1, "systemd", 0, "sleeping", "root", "/sbin/init splash", 1, 256, 0},
		{2, "kthreadd", 0, "sleeping", "root", "[kthreadd]", 1, 0, 0},
		{100, "x) R 99 99", 1, "sleeping", "alice", "/tmp/x) R 99 99 30", 1, 512, 123},
		{101, "a) b (c", 100, "sleeping", "alice", "/tmp/a) b (c 30", 1, 300, 123},
		{102, ")", 1, "running", "alice", "/tmp/)", 1, 256, 123},
		{103, "two  spaces ", 1, "disk sleep", "alice", "two  spaces ", 1, 256, 123},
		{104, "rt-audio", 1, "sleeping", "alice", "/usr/bin/rt-audio --rt", 4, 256, 123},
		{105, "defunct", 100, "zombie", "alice", "[defunct]", 1, 0, 123},
	}
	for _, w := range want {
		p, ok := got[w.pid]
		if !ok {
			t.Errorf("PID %d missing", w.pid)
			continue
		}
		if p.Name != w.name || p.PPID != w.ppid || p.State != w.state || p.User != w.user || p.Command != w.command {
			t.Errorf("PID %d = %q ppid %d %q user %q cmd %q; want %q ppid %d %q user %q cmd %q",
				w.pid, p.Name, p.PPID, p.State, p.User, p.Command, w.name, w.ppid, w.state, w.user, w.command)
		}
		if p.Threads == nil || *p.Threads != w.threads {
			t.Errorf("PID %d threads = %v, want %d", w.pid, p.Threads, w.threads)
		}
		if p.RSSBytes == nil || *p.RSSBytes != w.rss*uint64(os.Getpagesize()) {
			t.Errorf("PID %d rss = %v, want %d pages", w.pid, p.RSSBytes, w.rss)
		}
		if p.StartTime == nil || !p.StartTime.Equal(time.Unix(fixtureBoot+w.start, 0)) {
			t.Errorf("PID %d start = %v, want boot + %d s", w.pid, p.StartTime, w.start)
		}
		if p.CPUPercent != nil || p.CPUCorePercent != nil {
			t.Errorf("PID %d has a CPU %% in the first scan", w.pid)
		}
	}
}

// TestScanP2Fixture: missing, unreadable and truncated files drop the
// process or leave its values absent; the scan itself succeeds. The tree has
// no /proc/stat, so no start time and no machine-wide share can be known.
func TestScanP2Fixture(t *testing.T) {
	s, c := newFixtureScanner()
	ctx := fixture("p2-broken")
	mustScan(t, s, ctx)
	c.step(2 * time.Second)
	got := byPID(mustScan(t, s, ctx))
	if len(got) != 3 {
		t.Fatalf("got PIDs %v, want 1, 12 and 14", keys(got))
	}
	init := got[1]
	if init.Name != "init" || init.User != "root" || init.Command != "/sbin/init" || init.RSSBytes == nil || init.Threads == nil {
		t.Errorf("intact process = %+v", init)
	}
	if init.StartTime != nil || init.CPUPercent != nil {
		t.Errorf("start %v / machine CPU %v known without /proc/stat", init.StartTime, init.CPUPercent)
	}
	if init.CPUCorePercent == nil || *init.CPUCorePercent != 0 {
		t.Errorf("per-core CPU = %v, want 0 (idle, measured)", init.CPUCorePercent)
	}
	cut := got[12]
	if cut.Name != "cut short" || cut.PPID != 1 || cut.State != "sleeping" || cut.User != "root" || cut.Command != "/bin/cut-short" {
		t.Errorf("truncated stat = %+v", cut)
	}
	if cut.Threads != nil || cut.RSSBytes != nil || cut.StartTime != nil || cut.CPUCorePercent != nil {
		t.Errorf("values past the cut are not absent: %+v", cut)
	}
	bare := got[14]
	if bare.Name != "no status" || bare.User != "" || bare.Command != "" || bare.Threads == nil {
		t.Errorf("process without status and cmdline = %+v", bare)
	}
}

func keys(m map[int32]Process) []int32 {
	var k []int32
	for pid := range m {
		k = append(k, pid)
	}
	return k
}

// TestScanCPUDeltas: exact percentages from a pair of fixture scans 2 s
// apart on a 4-CPU machine, and no value wherever the interval says nothing.
func TestScanCPUDeltas(t *testing.T) {
	s, c := newFixtureScanner()
	first := mustScan(t, s, fixture("cpu-deltas/before"))
	for _, p := range first {
		if p.CPUPercent != nil || p.CPUCorePercent != nil {
			t.Errorf("first scan: PID %d has CPU %v/%v", p.PID, *p.CPUPercent, *p.CPUCorePercent)
		}
	}
	c.step(2 * time.Second)
	got := byPID(mustScan(t, s, fixture("cpu-deltas/after")))
	want := []struct {
		pid           int32
		machine, core *float64
		why           string
	}{
		{100, f(18.75), f(75), "150 ticks in 2 s"},
		{200, nil, nil, "PID reused by a new process"},
		{300, nil, nil, "counters went backwards"},
		{400, nil, nil, "first seen"},
		{600, f(2.5), f(10), "same process after exec"},
		{700, f(0), f(0), "idle, measured"},
		{800, f(87.5), f(350), "several busy threads"},
		{900, f(100), f(400), "over the ceiling by tick granularity"},
	}
	for _, w := range want {
		p := got[w.pid]
		if !ptrEq(p.CPUPercent, w.machine) || !ptrEq(p.CPUCorePercent, w.core) {
			t.Errorf("PID %d (%s): cpu %s core %s, want %s / %s", w.pid, w.why,
				show(p.CPUPercent), show(p.CPUCorePercent), show(w.machine), show(w.core))
		}
	}
	if _, ok := got[500]; ok {
		t.Error("exited PID 500 still listed")
	}
	if p := got[200]; p.Name != "reused" || p.Command != "reused" {
		t.Errorf("reused PID kept the old process's details: %+v", p)
	}
	if p := got[600]; p.Name != "sleep" || p.Command != "sleep 5" {
		t.Errorf("exec not noticed: %q %q", p.Name, p.Command)
	}
	if p := got[700]; p.Command != "worker: idle" {
		t.Errorf("command = %q, want the cached one", p.Command)
	}
	if len(s.sys.entries) != len(got) {
		t.Errorf("%d cache entries for %d processes", len(s.sys.entries), len(got))
	}
	// The same counters again: a measured 0 %, not absent.
	c.step(2 * time.Second)
	if p := byPID(mustScan(t, s, fixture("cpu-deltas/after")))[100]; !ptrEq(p.CPUPercent, f(0)) {
		t.Errorf("unchanged counters: cpu %s, want 0", show(p.CPUPercent))
	}
	// No time passed: no value, never a division by zero.
	if p := byPID(mustScan(t, s, fixture("cpu-deltas/after")))[100]; p.CPUPercent != nil || p.CPUCorePercent != nil {
		t.Errorf("no elapsed time: cpu %s", show(p.CPUPercent))
	}
}

func TestScanListErrorAndCancel(t *testing.T) {
	if _, err := NewScanner().Scan(procCtx(filepath.Join(t.TempDir(), "missing"))); err == nil {
		t.Error("no error for a /proc that does not exist")
	}
	ctx, cancel := context.WithCancel(fixture("p1-names"))
	cancel()
	if _, err := NewScanner().Scan(ctx); err == nil {
		t.Error("no error for a cancelled scan")
	}
}

func TestHostProcFromEnv(t *testing.T) {
	t.Setenv("HOST_PROC", filepath.Join("testdata", "linux", "p1-names"))
	got := byPID(mustScan(t, NewScanner(), context.Background()))
	if got[100].Name != "x) R 99 99" {
		t.Fatalf("HOST_PROC not honoured: %v", keys(got))
	}
}

func TestUserName(t *testing.T) {
	if got := userName(0); got != "root" {
		t.Errorf("uid 0 = %q", got)
	}
	if got := userName(3_999_999); got != "3999999" {
		t.Errorf("unknown uid = %q, want the number", got)
	}
}

// startSleep runs a copy of sleep under the given file name, so the process
// carries that name, and reaps it when the test ends.
func startSleep(t *testing.T, name string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// TestScanP1Real: the real case P1, copies of sleep named `x) R 99 99` and
// `a) b (c`, found with their exact names, parent and state.
func TestScanP1Real(t *testing.T) {
	names := []string{"x) R 99 99", "a) b (c"}
	cmds := map[int32]*exec.Cmd{}
	for _, n := range names {
		cmd := startSleep(t, n)
		cmds[int32(cmd.Process.Pid)] = cmd
	}
	s := NewScanner()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := byPID(mustScan(t, s, context.Background()))
		sleeping := 0
		for pid, cmd := range cmds {
			p, ok := got[pid]
			if !ok {
				t.Fatalf("PID %d (%s) not found", pid, filepath.Base(cmd.Path))
			}
			if p.Name != filepath.Base(cmd.Path) || p.PPID != int32(os.Getpid()) || p.Command != cmd.Path+" 30" {
				t.Fatalf("PID %d = name %q ppid %d command %q; want %q ppid %d", pid, p.Name, p.PPID, p.Command,
					filepath.Base(cmd.Path), os.Getpid())
			}
			if p.User != userName(uint32(os.Geteuid())) || p.RSSBytes == nil || *p.RSSBytes == 0 || p.StartTime == nil {
				t.Fatalf("PID %d = %+v", pid, p)
			}
			if since := time.Since(*p.StartTime); since < -2*time.Second || since > time.Minute {
				t.Errorf("PID %d started %v ago", pid, since)
			}
			if p.State == "sleeping" {
				sleeping++
			}
		}
		if sleeping == len(cmds) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not all sleeping after 10 s: %+v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestScanP2Real: a real process that exits between the listing of /proc
// and the reading of its files is left out and the scan goes on.
func TestScanP2Real(t *testing.T) {
	cmd := startSleep(t, "short-lived")
	pid := int32(cmd.Process.Pid)
	s := NewScanner()
	s.sys.afterList = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait() // reaped: its /proc directory is gone
	}
	list, err := s.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan failed as a whole: %v", err)
	}
	got := byPID(list)
	if _, ok := got[pid]; ok {
		t.Errorf("exited PID %d listed", pid)
	}
	if self := got[int32(os.Getpid())]; self.Name == "" || self.Command == "" {
		t.Errorf("the test process itself is missing: %+v", self)
	}
}

// TestScanCPUForBusyProcess: the test process spins for 200 ms between two
// real scans and shows it.
func TestScanCPUForBusyProcess(t *testing.T) {
	s := NewScanner()
	self := int32(os.Getpid())
	mustScan(t, s, context.Background())
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
	}
	p := byPID(mustScan(t, s, context.Background()))[self]
	if p.CPUCorePercent == nil || *p.CPUCorePercent < 20 || p.CPUPercent == nil || *p.CPUPercent > *p.CPUCorePercent {
		t.Errorf("busy test process: cpu %s core %s", show(p.CPUPercent), show(p.CPUCorePercent))
	}
	if p.Threads == nil || *p.Threads < 2 {
		t.Errorf("threads = %v", p.Threads)
	}
}

func TestStartTimeNamesOneProcess(t *testing.T) {
	a, err := StartTime(os.Getpid())
	if err != nil || a == 0 {
		t.Fatalf("StartTime(self) = %d, %v", a, err)
	}
	if b, _ := StartTime(os.Getpid()); b != a {
		t.Errorf("StartTime changed: %d then %d", a, b)
	}
	if _, err := StartTime(1 << 30); err == nil {
		t.Error("StartTime of a PID that cannot exist succeeded")
	}
}
