package web

import (
	"context"
	"database/sql"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are what /metrics shows in Prometheus's format: HTTP latency by
// route, refusals by code, the job queues' depth, the database pool, and
// the process. Its own registry, no package globals.
type Metrics struct {
	reg      *prometheus.Registry
	latency  *prometheus.HistogramVec
	refusals *prometheus.CounterVec
	stages   *prometheus.HistogramVec
	photos   *prometheus.CounterVec
	jobs     *prometheus.HistogramVec
	jobWait  *prometheus.HistogramVec
}

// NewMetrics builds the registry; jobs, if set, is asked for the queues'
// depth at each scrape.
func NewMetrics(db *sql.DB, jobs func(ctx context.Context) (map[[2]string]int, error)) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zhipai_http_request_duration_seconds", Help: "HTTP request latency by route and status class.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "status"})
	m.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhipai_api_errors_total", Help: "Error answers of the API by stable code and HTTP status.",
	}, []string{"code", "status"})
	m.stages = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zhipai_photo_stage_seconds", Help: "Wall time of each photo pipeline stage (total: the whole photo).",
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
	}, []string{"stage"})
	m.photos = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhipai_photos_total", Help: "Processed photos by outcome: produced, or the refusal's code.",
	}, []string{"outcome"})
	m.jobs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zhipai_job_run_seconds", Help: "Job run time by kind and outcome (job_completed, job_failed...).",
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"kind", "outcome"})
	m.jobWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zhipai_job_wait_seconds", Help: "How long a job waited in the queue before it ran, by kind.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
	}, []string{"kind"})
	m.reg.MustRegister(m.latency, m.refusals, m.stages, m.photos, m.jobs, m.jobWait, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(db, "main"))
	}
	if jobs != nil {
		m.reg.MustRegister(&queueCollector{count: jobs, desc: prometheus.NewDesc("zhipai_jobs", "Waiting and running jobs by queue and state.", []string{"queue", "state"}, nil)})
	}
	return m
}

// Refused counts an error answer (api.Config.Refused).
func (m *Metrics) Refused(code string, status int) {
	m.refusals.WithLabelValues(code, strconv.Itoa(status)).Inc()
}

// Photo records a processed photo (capture's observer).
func (m *Metrics) Photo(timingsMS map[string]float64, refusal string) {
	for stage, ms := range timingsMS {
		m.stages.WithLabelValues(stage).Observe(ms / 1000)
	}
	if refusal == "" {
		refusal = "produced"
	}
	m.photos.WithLabelValues(refusal).Inc()
}

// Job records a job's run (the queue's observer).
func (m *Metrics) Job(kind, outcome string, wait, run time.Duration) {
	m.jobs.WithLabelValues(kind, outcome).Observe(run.Seconds())
	m.jobWait.WithLabelValues(kind).Observe(wait.Seconds())
}

func (m *Metrics) observe(route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.latency.WithLabelValues(route, strconv.Itoa(status/100)+"xx").Observe(d.Seconds())
}

// handler serves the metrics to scrapers on the machine or the private
// network only (it is operational data, not for the internet).
func (m *Metrics) handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		ip, perr := netip.ParseAddr(host)
		if err != nil || perr != nil || !(ip.IsLoopback() || ip.IsPrivate()) || r.Header.Get("X-Forwarded-For") != "" {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

type queueCollector struct {
	count func(ctx context.Context) (map[[2]string]int, error)
	desc  *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		return
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}
