package metrics

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// promServer is a real Prometheus server run for one test.
type promServer struct {
	base string // http://127.0.0.1:port
	log  string // path of its combined output
	exit chan error
}

// freeLoopbackAddr returns a loopback address with a port that was free a
// moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startPrometheus runs the Prometheus binary with a config scraping target
// every second, storage in a temporary folder, listening on a free loopback
// port. It is stopped (and its output shown if the test failed) when the test
// ends.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sysmon
    static_configs:
      - targets: [%q]
`, target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &promServer{log: filepath.Join(dir, "prometheus.log"), exit: make(chan error, 1)}
	logf, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	p.base = "http://" + addr
	cmd := exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=info",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Registered before the stop below, so it runs after it: the log is
	// complete by then, and the temporary folder still there.
	t.Cleanup(func() {
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			t.Logf("prometheus output:\n%s", b)
		}
	})
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.exit <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.exit:
			return // already gone
		default:
		}
		if runtime.GOOS == "windows" {
			cmd.Process.Kill()
		} else {
			cmd.Process.Signal(os.Interrupt)
		}
		select {
		case <-p.exit:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-p.exit
		}
	})
	return p
}

// apiGet calls the Prometheus HTTP API and decodes data into out.
func (p *promServer) apiGet(path string, params url.Values, out any) error {
	u := p.base + path
	if params != nil {
		u += "?" + params.Encode()
	}
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("GET %s: %s: %w", u, resp.Status, err)
	}
	if env.Status != "success" {
		return fmt.Errorf("GET %s: %s: %s: %s", u, resp.Status, env.ErrorType, env.Error)
	}
	return json.Unmarshal(env.Data, out)
}

type vectorSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (v vectorSample) float(t *testing.T) float64 {
	s, _ := v.Value[1].(string)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("value %v: %v", v.Value, err)
	}
	return f
}

// query runs an instant PromQL query.
func (p *promServer) query(q string) ([]vectorSample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := p.apiGet("/api/v1/query", url.Values{"query": {q}}, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "vector" {
		return nil, nil // a scalar from a dashboard expression: it parsed
	}
	var vec []vectorSample
	return vec, json.Unmarshal(data.Result, &vec)
}

// waitFor polls cond every 200 ms until it is true, the Prometheus process
// exits, or the deadline passes.
func (p *promServer) waitFor(t *testing.T, deadline time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	end := time.Now().Add(deadline)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s (last error: %v)", deadline, what, last)
		}
		select {
		case err := <-p.exit:
			t.Fatalf("prometheus exited while waiting for %s: %v", what, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestPrometheusScrapesSysmon runs the real Prometheus server against
// sysmon's handler and reads sysmon's series back through PromQL.
func TestPrometheusScrapesSysmon(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Prometheus server")
	}
	bin := requireTool(t, "prometheus", "prometheus")
	srv := serve(t, WithVersion("e2e"))
	target := srv.Addr().String()
	p := startPrometheus(t, bin, target)

	p.waitFor(t, 30*time.Second, "prometheus to be ready", func() (bool, error) {
		resp, err := client.Get(p.base + "/-/ready")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == 200, fmt.Errorf("/-/ready: %s", resp.Status)
	})
	p.waitFor(t, 30*time.Second, "the sysmon target to be up", func() (bool, error) {
		var data struct {
			ActiveTargets []struct {
				ScrapeURL string `json:"scrapeUrl"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"activeTargets"`
		}
		if err := p.apiGet("/api/v1/targets", nil, &data); err != nil {
			return false, err
		}
		for _, tg := range data.ActiveTargets {
			if strings.Contains(tg.ScrapeURL, target) {
				return tg.Health == "up", fmt.Errorf("target %s: %s %s", tg.ScrapeURL, tg.Health, tg.LastError)
			}
		}
		return false, fmt.Errorf("no target %s in %+v", target, data.ActiveTargets)
	})

	want := map[string]float64{
		"sysmon_cpu_busy_ratio":         0.375,
		"sysmon_memory_total_bytes":     16 * gib,
		"sysmon_memory_available_bytes": 10 * gib,
	}
	q := `{__name__=~"sysmon_cpu_busy_ratio|sysmon_memory_total_bytes|sysmon_memory_available_bytes",job="sysmon"}`
	var got []vectorSample
	p.waitFor(t, 15*time.Second, "sysmon's series in a query", func() (bool, error) {
		var err error
		got, err = p.query(q)
		return len(got) == len(want), err
	})
	for _, s := range got {
		name := s.Metric["__name__"]
		if v := s.float(t); v != want[name] {
			t.Errorf("%s = %v, want %v", name, v, want[name])
		}
		if s.Metric["instance"] != target {
			t.Errorf("%s has instance %q, want %q", name, s.Metric["instance"], target)
		}
	}

	// Per-core CPU with its label, a GPU series and build info came through too.
	for q, n := range map[string]int{
		`sysmon_cpu_core_busy_ratio{job="sysmon"}`:                      2,
		`sysmon_gpu_memory_used_bytes{job="sysmon",gpu="0"}`:            1,
		`sysmon_build_info{job="sysmon",version="e2e"}`:                 1,
		`count(sysmon_gpu_process_memory_used_bytes{job="sysmon"}) > 0`: 1,
	} {
		res, err := p.query(q)
		if err != nil || len(res) != n {
			t.Errorf("query %s: %d results (%v), want %d", q, len(res), err, n)
		}
	}

	// Every expression of the Grafana dashboard parses and runs.
	for _, expr := range dashboardExprs(t) {
		if _, err := p.query(expr); err != nil {
			t.Errorf("dashboard expression %q: %v", expr, err)
		}
	}
}

// dashboardExprs returns the PromQL of every panel in the dashboard, with
// Grafana's variables replaced by what they stand for.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	d := loadDashboard(t)
	r := strings.NewReplacer("$__rate_interval", "1m", "${instance}", ".+", "$instance", ".+")
	var out []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			out = append(out, r.Replace(tg.Expr))
		}
	}
	return out
}
