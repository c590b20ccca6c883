package main

import (
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/scimkit/scim"
)

// metrics are the demo's Prometheus metrics, fed by the SCIM handler's
// OnRequest hook and served at /metrics. They live in a registry of their
// own, so that two demos in one process (tests) do not collide.
type metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited prometheus.Counter
	storeErrors *prometheus.CounterVec

	// The series a request feeds, by their labels: looked up once each,
	// not hashed from the label values on every request. Bounded as the
	// labels are (see observe).
	mu         sync.RWMutex
	counters   map[requestLabels]prometheus.Counter
	histograms map[requestLabels]prometheus.Observer // status 0
}

type requestLabels struct {
	route, method string
	status        int
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scim_requests_total",
			Help: "SCIM requests served, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scim_request_duration_seconds",
			Help:    "Time to serve a SCIM request, by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "scim_rate_limited_total",
			Help: "SCIM requests refused with 429 by the per-company rate limit.",
		}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scim_store_errors_total",
			Help: "SCIM requests that failed with 500 because the store failed, by route pattern.",
		}, []string{"route"}),
	}
	m.counters = make(map[requestLabels]prometheus.Counter)
	m.histograms = make(map[requestLabels]prometheus.Observer)
	m.registry.MustRegister(m.requests, m.duration, m.rateLimited, m.storeErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe is the handler's OnRequest hook. Every label takes a few fixed
// values whatever a client sends, so the series stay bounded: the method is
// one of seven or OTHER, the route one of the endpoints' patterns or
// "unknown", the status one the handler chose (scim.RequestInfo says which
// of its fields are the client's). Never label by Path or Error.Detail.
func (m *metrics) observe(_ context.Context, info scim.RequestInfo) {
	route := info.Route
	if route == "" {
		route = "unknown"
	}
	m.counter(requestLabels{route, info.Method, info.Status}).Inc()
	m.histogram(requestLabels{route: route, method: info.Method}).Observe(info.Duration.Seconds())
	if info.Status == http.StatusTooManyRequests {
		m.rateLimited.Inc()
	}
	if info.Cause != nil {
		m.storeErrors.WithLabelValues(route).Inc()
	}
}

func (m *metrics) counter(l requestLabels) prometheus.Counter {
	m.mu.RLock()
	c, ok := m.counters[l]
	m.mu.RUnlock()
	if !ok {
		c = m.requests.WithLabelValues(l.route, l.method, strconv.Itoa(l.status))
		m.mu.Lock()
		m.counters[l] = c
		m.mu.Unlock()
	}
	return c
}

func (m *metrics) histogram(l requestLabels) prometheus.Observer {
	m.mu.RLock()
	h, ok := m.histograms[l]
	m.mu.RUnlock()
	if !ok {
		h = m.duration.WithLabelValues(l.route, l.method)
		m.mu.Lock()
		m.histograms[l] = h
		m.mu.Unlock()
	}
	return h
}

// handler serves the metrics in Prometheus's text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}
