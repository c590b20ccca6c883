package main

import (
	"context"
	"net/http"
	"strconv"

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
	m.requests.WithLabelValues(route, info.Method, strconv.Itoa(info.Status)).Inc()
	m.duration.WithLabelValues(route, info.Method).Observe(info.Duration.Seconds())
	if info.Status == http.StatusTooManyRequests {
		m.rateLimited.Inc()
	}
	if info.Cause != nil {
		m.storeErrors.WithLabelValues(route).Inc()
	}
}

// handler serves the metrics in Prometheus's text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}
