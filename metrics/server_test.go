package metrics

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// client talks to test servers without keeping connections (and their
// goroutines) alive.
var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

func get(t *testing.T, method, url string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// requireTool finds an external program a test needs. It skips the test when
// the program is missing, except under CI (env CI set), where the install
// script must have provided it and its absence fails the test.
func requireTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if _, serr := os.Stat("/usr/bin/" + name); serr == nil {
			return "/usr/bin/" + name
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found and CI is set: install the Debian package %s (apt-get install -y %s)", name, debianPackage, debianPackage)
		}
		t.Skipf("%s not found: install the Debian package %s to run this test", name, debianPackage)
	}
	return p
}

// serve starts a Server for s on a free loopback port and stops it when the
// test ends.
func serve(t *testing.T, opts ...Option) *Server {
	t.Helper()
	srv, err := Listen("127.0.0.1:0", latestOf(cannedSample()), opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(2 * shutdownTimeout):
			t.Errorf("Serve did not return after its context ended")
		}
	})
	return srv
}

func TestListenBadAddress(t *testing.T) {
	for _, addr := range []string{"", "nonsense", "127.0.0.1", "127.0.0.1:99999", "127.0.0.1:http", "localhost:-1"} {
		_, err := Listen(addr, latestOf(nil))
		if err == nil || !strings.Contains(err.Error(), "bad listen address") {
			t.Errorf("Listen(%q) = %v, want a bad listen address error", addr, err)
		}
	}
	// Parses, but no such interface here.
	if _, err := Listen("192.0.2.1:0", latestOf(nil)); err == nil || !strings.Contains(err.Error(), "cannot listen on 192.0.2.1:0") {
		t.Errorf("Listen on a foreign address = %v, want a cannot listen error", err)
	}
}

func TestListenPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, err = Listen(addr, latestOf(nil))
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Listen on a taken port = %v, want an already in use error naming %s", err, addr)
	}
	// Serve reports the same at once.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Serve(ctx, addr, latestOf(nil)); err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("Serve on a taken port = %v", err)
	}
}

func TestServe(t *testing.T) {
	srv := serve(t, WithVersion("1.2.3"))
	base := "http://" + srv.Addr().String()
	if srv.URL() != base+"/metrics" {
		t.Errorf("URL = %q", srv.URL())
	}

	code, body, hdr := get(t, "GET", base+"/")
	if code != 200 || !strings.Contains(body, `<a href="metrics">`) || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("GET / = %d %q %q", code, hdr.Get("Content-Type"), body)
	}
	code, body, hdr = get(t, "GET", srv.URL())
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics = %d %q", code, hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		"\nsysmon_cpu_busy_ratio 0.375\n",
		"\nsysmon_memory_total_bytes 1.7179869184e+10\n",
		`sysmon_build_info{goversion="go`,
		`version="1.2.3"} 1`,
		"\ngo_goroutines ",
		"\npromhttp_metric_handler_requests_total{code=\"200\"} ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code, _, _ := get(t, "GET", base+"/nope"); code != http.StatusNotFound {
		t.Errorf("GET /nope = %d, want 404", code)
	}
	if code, _, _ := get(t, "POST", srv.URL()); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", code)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	srv, err := Listen("127.0.0.1:0", latestOf(cannedSample()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	if code, _, _ := get(t, "GET", srv.URL()); code != 200 {
		t.Fatalf("GET /metrics = %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve = %v, want nil after the context ended", err)
		}
	case <-time.After(2 * shutdownTimeout):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := client.Get(srv.URL()); err == nil {
		t.Error("server still answers after Serve returned")
	}
}

func TestCloseWithoutServe(t *testing.T) {
	srv, err := Listen("127.0.0.1:0", latestOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr().String()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// The port is free again.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port not released by Close: %v", err)
	}
	ln.Close()
}

// TestPromtoolCheckMetrics lints the served exposition with promtool, the
// Prometheus project's own checker.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := requireTool(t, "promtool", "prometheus")
	srv := serve(t)
	code, body, _ := get(t, "GET", srv.URL())
	if code != 200 {
		t.Fatalf("GET /metrics = %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
