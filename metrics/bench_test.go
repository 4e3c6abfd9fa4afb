package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"sysmon/sampler"
)

// bigSample is cannedSample on a machine with 8 fully reporting GPUs running
// procsPerGPU processes each, and 32 cores.
func bigSample(procsPerGPU int) *sampler.Sample {
	s := cannedSample()
	s.CPU.LogicalCores = 32
	s.CPU.PerCorePercent = make([]*float64, 32)
	for i := range s.CPU.PerCorePercent {
		s.CPU.PerCorePercent[i] = ptr(float64(i))
	}
	full := s.GPU.Devices[0]
	s.GPU.Devices = nil
	for i := range 8 {
		d := full
		d.Index, d.UUID = i, fmt.Sprintf("GPU-%08d", i)
		d.Processes = manyProcesses(i, procsPerGPU).Processes
		s.GPU.Devices = append(s.GPU.Devices, d)
	}
	s.GPU.DeviceCount = 8
	return s
}

// BenchmarkScrape8GPUs measures one scrape of 8 GPUs with 50 processes each.
// "handler" is the whole HTTP scrape as Prometheus sees it (the sysmon
// collector, build info, Go and process metrics, text encoding); "collector"
// is sysmon's collector alone, gathered by a registry.
func BenchmarkScrape8GPUs(b *testing.B) {
	s := bigSample(50)
	b.Run("handler", func(b *testing.B) {
		h := Handler(latestOf(s))
		req := httptest.NewRequest(http.MethodGet, MetricsPath, nil)
		b.ReportAllocs()
		defer reportCPU(b)()
		var size int
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d", rec.Code)
			}
			size = rec.Body.Len()
		}
		b.ReportMetric(float64(size), "bytes/scrape")
	})
	b.Run("collector", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(NewCollector(latestOf(s)))
		b.ReportAllocs()
		defer reportCPU(b)()
		var n int
		for b.Loop() {
			mfs, err := reg.Gather()
			if err != nil {
				b.Fatal(err)
			}
			n = 0
			for _, mf := range mfs {
				n += len(mf.Metric)
			}
		}
		b.ReportMetric(float64(n), "series")
	})
}

// reportCPU adds "cpu-ns/op", the process CPU time (all threads, garbage
// collection included) per iteration, when the platform can measure it. Call
// the function it returns after the loop.
func reportCPU(b *testing.B) func() {
	start, ok := processCPU()
	return func() {
		end, _ := processCPU()
		if ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
