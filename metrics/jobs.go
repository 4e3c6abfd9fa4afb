package metrics

import "github.com/prometheus/client_golang/prometheus"

// JobCounts reports the job queue as of sysmon's last tick: the number of
// jobs in each state (every state present, 0 included, so that the series
// do not come and go) and whether this sysmon runs the queue. It must not
// block: a scrape never waits for the database.
type JobCounts func() (byState map[string]int, scheduling bool)

// WithJobs adds the job queue's series (sysmon_jobs, sysmon_jobs_scheduler).
func WithJobs(counts JobCounts) Option {
	return func(o *options) { o.jobs = counts }
}

// jobsCollector reports JobCounts on every scrape.
type jobsCollector struct {
	counts             JobCounts
	byState, scheduler *prometheus.Desc
}

func newJobsCollector(counts JobCounts) *jobsCollector {
	return &jobsCollector{
		counts: counts,
		byState: prometheus.NewDesc(namespace+"_jobs", "Jobs in the idle job queue by state "+
			"(queued, waiting, running, paused, done, failed, cancelled, interrupted).", []string{"state"}, nil),
		scheduler: prometheus.NewDesc(namespace+"_jobs_scheduler",
			"1 when this sysmon runs the job queue, 0 when another one (the window or the daemon) does.", nil, nil),
	}
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.byState
	ch <- c.scheduler
}

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	byState, scheduling := c.counts()
	e := emitter{ch}
	e.gauge(c.scheduler, boolFloat(scheduling))
	for st, n := range byState {
		e.gauge(c.byState, float64(n), st)
	}
}
