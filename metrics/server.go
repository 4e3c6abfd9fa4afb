package metrics

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sysmon/sampler"
)

// DefaultAddr is where sysmon serves metrics unless told otherwise: loopback
// only, so that the readings of a desktop (process names, mount points, the
// AFK state) do not leave the machine unless the user gives another address
// on purpose, such as ":9464" for every interface. The OpenTelemetry
// Prometheus exporter defaults to port 9464 too; when something else holds it,
// Listen says so and any other free port works.
const DefaultAddr = "127.0.0.1:9464"

// MetricsPath is the path the metrics are served at.
const MetricsPath = "/metrics"

const (
	// shutdownTimeout bounds how long Serve waits for scrapes in flight once
	// its context ends.
	shutdownTimeout = 5 * time.Second
	// writeTimeout bounds the time to read a request and write its answer.
	writeTimeout = 30 * time.Second
)

// Option configures NewRegistry, Handler, Listen and Serve.
type Option func(*options)

type options struct {
	version string
	jobs    JobCounts
}

// WithVersion sets the version label of sysmon_build_info (main passes the
// version it was built with). Without it the module version from the build
// information is used, or "dev".
func WithVersion(v string) Option {
	return func(o *options) { o.version = v }
}

func buildOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// NewRegistry returns a registry of its own (not the global one) holding the
// sysmon collector, sysmon_build_info and the Go runtime metrics of sysmon
// itself (go_*). The standard process collector (process_*) is left out on
// purpose: it reads several /proc files on every scrape, costing more CPU than
// all of sysmon's own series; sysmon's CPU and memory show in its own process
// table.
func NewRegistry(latest func() *sampler.Sample, opts ...Option) *prometheus.Registry {
	o := buildOptions(opts)
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		NewCollector(latest),
		buildInfo(o.version),
		collectors.NewGoCollector(),
	)
	if o.jobs != nil {
		reg.MustRegister(newJobsCollector(o.jobs))
	}
	return reg
}

// buildInfo is sysmon_build_info: always 1, with the version, VCS revision and
// Go version as labels.
func buildInfo(version string) prometheus.Collector {
	revision := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				revision = s.Value
			}
		}
	}
	if version == "" {
		version = "dev"
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "build_info",
		Help:      "Version of sysmon serving these metrics; always 1.",
		ConstLabels: prometheus.Labels{
			"version":   version,
			"revision":  revision,
			"goversion": runtime.Version(),
		},
	})
	g.Set(1)
	return g
}

// Handler serves the metrics of NewRegistry at /metrics and a short page
// linking to them at /.
func Handler(latest func() *sampler.Sample, opts ...Option) http.Handler {
	reg := NewRegistry(latest, opts...)
	metrics := promhttp.InstrumentMetricHandler(reg, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(slog.Default().Handler(), slog.LevelError),
		// A broken series must not cost the scrape of all the others; the
		// errors are logged and counted in promhttp_metric_handler_errors_total.
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            reg,
		MaxRequestsInFlight: 4,
		// A scrape only formats the latest Sample and never blocks, so no
		// promhttp Timeout (its handler buffers every response in a goroutine
		// of its own); the http.Server's WriteTimeout bounds slow clients.
		// Compressing ~50 KB for a scraper on the same machine costs more
		// CPU than it saves.
		DisableCompression: true,
	}))
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, metrics)
	mux.HandleFunc("GET /{$}", index)
	return mux
}

const indexPage = `<!doctype html>
<html><head><meta charset="utf-8"><title>sysmon</title></head>
<body><h1>sysmon</h1><p>Prometheus metrics: <a href="%s">%s</a></p></body></html>
`

func index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	p := html.EscapeString(MetricsPath[1:])
	fmt.Fprintf(w, indexPage, p, html.EscapeString(MetricsPath))
}

// Server serves Handler on a listening socket. Create it with Listen.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Listen binds addr (host:port; DefaultAddr when in doubt) and returns a
// Server ready to Serve. Binding here, before serving, is what lets a bad
// address or a port in use be reported at once with a clear error. Port 0
// picks a free port; Addr tells which.
func Listen(addr string, latest func() *sampler.Sample, opts ...Option) (*Server, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: bad listen address %q: want host:port, e.g. %s: %w", addr, DefaultAddr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return nil, fmt.Errorf("metrics: bad listen address %q: port %q is not a number from 0 to 65535", addr, port)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if addrInUse(err) {
			return nil, fmt.Errorf("metrics: cannot listen on %s: the port is already in use (another sysmon or exporter?); choose another address: %w", addr, err)
		}
		return nil, fmt.Errorf("metrics: cannot listen on %s: %w", addr, err)
	}
	return &Server{
		ln: ln,
		srv: &http.Server{
			Handler:           Handler(latest, opts...),
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      writeTimeout,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(slog.Default().Handler(), slog.LevelDebug),
		},
	}, nil
}

// Addr is the address the Server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the http URL of the metrics, e.g. "http://127.0.0.1:9464/metrics".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + MetricsPath }

// Serve answers requests until ctx ends, then waits up to a few seconds for
// scrapes in flight and returns nil. It returns an error only if serving
// fails. Call it once.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("metrics: serve on %s: %w", s.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		s.srv.Close()
	}
	<-errc
	return nil
}

// Close stops the Server at once, whether or not Serve was called.
func (s *Server) Close() error {
	err := s.srv.Close()
	if cerr := s.ln.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) && err == nil {
		err = cerr
	}
	return err
}

// Serve listens on addr and serves the metrics of latest until ctx ends (see
// Listen and Server.Serve).
func Serve(ctx context.Context, addr string, latest func() *sampler.Sample, opts ...Option) error {
	s, err := Listen(addr, latest, opts...)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}
