package gateway

import (
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics holds rowgate's Prometheus collectors: HTTP traffic, database
// statement time, JWT verification, JWKS refreshes, the verified-token
// cache, schema cache loads and build information. Where PostgREST exports
// a metric for the same thing, Metrics also exports it under PostgREST's
// pgrst_* name so that existing dashboards keep working.
//
// The per-request path resolves label values once and then only touches
// atomics: no label hashing and no allocation per request.
type Metrics struct {
	requests   *prometheus.CounterVec
	duration   [numMethods]prometheus.Observer
	inFlight   prometheus.Gauge
	dbDuration prometheus.Observer

	// resources maps a table or function to its counters; it is copied
	// on write, and writes (a resource seen for the first time) hold mu.
	resources atomic.Pointer[map[resourceKey]*resourceCounters]
	mu        sync.Mutex
	unknown   *resourceCounters

	jwtVerify    *prometheus.CounterVec
	jwtCountersM sync.Mutex
	// jwtCounters caches jwtVerify's children by outcome and reason.
	jwtCounters atomic.Pointer[map[[2]string]prometheus.Counter]

	jwksRefresh [2]prometheus.Counter // success, failure
	jwksKeys    prometheus.Gauge

	schemaLoads    [2]prometheus.Counter // success, failure
	pgrstLoads     [2]prometheus.Counter // SUCCESS, FAIL
	schemaDuration prometheus.Observer
	schemaLast     prometheus.Gauge
	pgrstQueryTime prometheus.Gauge

	reg prometheus.Registerer
}

// Methods and status classes get fixed label indexes.
const (
	methodGet = iota
	methodHead
	methodPost
	methodPatch
	methodPut
	methodDelete
	methodOptions
	methodOther
	numMethods
)

var methodLabels = [numMethods]string{"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "OTHER"}

var classLabels = [5]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// resourceLabelUnknown labels requests whose resource is not in the schema
// cache, so that made-up paths cannot grow the number of series.
const resourceLabelUnknown = "unknown"

// latencyBuckets suits a gateway whose requests mostly take a millisecond
// or two, in seconds.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// resourceCounters holds one resource's request counters by method and
// status class, created on first use.
type resourceCounters struct {
	name string
	c    [numMethods][len(classLabels)]atomic.Pointer[prometheus.Counter]
}

// NewMetrics creates the collectors and registers them with reg.
// version and commit label rowgate_build_info.
func NewMetrics(reg prometheus.Registerer, version, commit string) *Metrics {
	m := &Metrics{reg: reg}

	// HTTP traffic.
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rowgate_http_requests_total",
		Help: "HTTP requests served, by method, status class and resource " +
			`(a table or "rpc/" function known to the schema cache, else "unknown").`,
	}, []string{"method", "status", "resource"})
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rowgate_http_request_duration_seconds",
		Help:    "Time from receiving a request to writing its response, by method.",
		Buckets: latencyBuckets,
	}, []string{"method"})
	for i, name := range methodLabels {
		m.duration[i] = durations.WithLabelValues(name)
	}
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rowgate_http_requests_in_flight",
		Help: "HTTP requests being served.",
	})
	dbDuration := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "rowgate_db_statement_duration_seconds",
		Help: "Time spent running a request's transaction, including waiting " +
			"for a pooled connection.",
		Buckets: latencyBuckets,
	})
	m.dbDuration = dbDuration
	m.unknown = &resourceCounters{name: resourceLabelUnknown}
	m.resources.Store(&map[resourceKey]*resourceCounters{})

	// JWT verification and JWKS refreshes.
	m.jwtVerify = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rowgate_jwt_verifications_total",
		Help: `Authorization headers checked, by outcome ("ok" or "rejected") and reason.`,
	}, []string{"outcome", "reason"})
	m.jwtCounters.Store(&map[[2]string]prometheus.Counter{})
	refreshes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rowgate_jwks_refreshes_total",
		Help: "Fetches of the JWKS URL, by outcome (success or failure).",
	}, []string{"outcome"})
	m.jwksRefresh = [2]prometheus.Counter{
		refreshes.WithLabelValues("success"), refreshes.WithLabelValues("failure"),
	}
	m.jwksKeys = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rowgate_jwks_keys",
		Help: "Usable keys returned by the last successful JWKS fetch.",
	})

	// Schema cache loads.
	loads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rowgate_schema_cache_reloads_total",
		Help: "Schema cache loads, by status (success or failure).",
	}, []string{"status"})
	m.schemaLoads = [2]prometheus.Counter{
		loads.WithLabelValues("success"), loads.WithLabelValues("failure"),
	}
	pgrstLoads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pgrst_schema_cache_loads_total",
		Help: "Schema cache loads, by status (SUCCESS or FAIL); PostgREST's name.",
	}, []string{"status"})
	m.pgrstLoads = [2]prometheus.Counter{
		pgrstLoads.WithLabelValues("SUCCESS"), pgrstLoads.WithLabelValues("FAIL"),
	}
	schemaDuration := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "rowgate_schema_cache_reload_duration_seconds",
		Help:    "Time taken by schema cache loads, successful or not.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m.schemaDuration = schemaDuration
	m.schemaLast = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rowgate_schema_cache_last_success_timestamp_seconds",
		Help: "Unix time of the last successful schema cache load.",
	})
	m.pgrstQueryTime = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "pgrst_schema_cache_query_time_seconds",
		Help: "Duration of the last schema cache load; PostgREST's name.",
	})

	// Build information.
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "rowgate_build_info",
		Help: "Always 1; labelled with the version, commit and Go version of the binary.",
	}, []string{"version", "commit", "goversion"})
	build.WithLabelValues(version, commit, runtime.Version()).Set(1)

	reg.MustRegister(m.requests, durations, m.inFlight, dbDuration, m.jwtVerify, refreshes,
		m.jwksKeys, loads, pgrstLoads, schemaDuration, m.schemaLast, m.pgrstQueryTime, build)
	return m
}

// ObserveVerify counts one JWT verification; it has the signature of
// [jwks.Config.OnVerify].
func (m *Metrics) ObserveVerify(outcome, reason string) {
	key := [2]string{outcome, reason}
	if c, ok := (*m.jwtCounters.Load())[key]; ok {
		c.Inc()
		return
	}

	// First time for this pair: add it to a copy of the map.
	m.jwtCountersM.Lock()
	defer m.jwtCountersM.Unlock()
	old := *m.jwtCounters.Load()
	c, ok := old[key]
	if !ok {
		c = m.jwtVerify.WithLabelValues(outcome, reason)
		next := make(map[[2]string]prometheus.Counter, len(old)+1)
		for k, v := range old {
			next[k] = v
		}
		next[key] = c
		m.jwtCounters.Store(&next)
	}
	c.Inc()
}

// ObserveRefresh counts one JWKS fetch; it has the signature of
// [jwks.Config.OnRefresh].
func (m *Metrics) ObserveRefresh(err error, keys int) {
	if err != nil {
		m.jwksRefresh[1].Inc()
		return
	}
	m.jwksRefresh[0].Inc()
	m.jwksKeys.Set(float64(keys))
}

// ObserveSchemaLoad records one schema cache load that took d and failed
// with err, or succeeded when err is nil.
func (m *Metrics) ObserveSchemaLoad(d time.Duration, err error) {
	m.schemaDuration.Observe(d.Seconds())
	m.pgrstQueryTime.Set(d.Seconds())
	if err != nil {
		m.schemaLoads[1].Inc()
		m.pgrstLoads[1].Inc()
		return
	}
	m.schemaLoads[0].Inc()
	m.pgrstLoads[0].Inc()
	m.schemaLast.Set(float64(time.Now().UnixNano()) / 1e9)
}

// RegisterTokenCache exports the verified-token cache's counters, read from
// stats at every scrape ([jwks.Verifier.CacheStats] fits), under rowgate's
// names and PostgREST's.
func (m *Metrics) RegisterTokenCache(stats func() (hits, misses, evictions uint64)) error {
	return m.reg.Register(&tokenCacheCollector{stats: stats})
}

// observeRequest records one finished request on rc's counters.
func (m *Metrics) observeRequest(method string, rc *resourceCounters, status int, d time.Duration) {
	mi := methodIndex(method)
	m.duration[mi].Observe(d.Seconds())

	class := status/100 - 1
	if class < 0 || class >= len(classLabels) {
		class = len(classLabels) - 1
	}
	slot := &rc.c[mi][class]
	if p := slot.Load(); p != nil {
		(*p).Inc()
		return
	}
	c := m.requests.WithLabelValues(methodLabels[mi], classLabels[class], rc.name)
	slot.Store(&c)
	c.Inc()
}

// resourceKey names a table (fn false) or a function (fn true).
type resourceKey struct {
	fn   bool
	name string
}

// lookupResource returns the counters of k when it has been seen before,
// which means it was in the schema cache then.
func (m *Metrics) lookupResource(k resourceKey) (*resourceCounters, bool) {
	rc, ok := (*m.resources.Load())[k]
	return rc, ok
}

// resourceCounters returns the counters of k, creating them on first use.
// A function is labelled "rpc/" and its name, so it never mixes with a
// table of the same name.
func (m *Metrics) resourceCounters(k resourceKey) *resourceCounters {
	if rc, ok := m.lookupResource(k); ok {
		return rc
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.resources.Load()
	if rc, ok := old[k]; ok {
		return rc
	}
	k.name = strings.Clone(k.name)
	label := k.name
	if k.fn {
		label = "rpc/" + k.name
	}
	rc := &resourceCounters{name: label}
	next := make(map[resourceKey]*resourceCounters, len(old)+1)
	for key, v := range old {
		next[key] = v
	}
	next[k] = rc
	m.resources.Store(&next)
	return rc
}

func methodIndex(method string) int {
	switch method {
	case "GET":
		return methodGet
	case "HEAD":
		return methodHead
	case "POST":
		return methodPost
	case "PATCH":
		return methodPatch
	case "PUT":
		return methodPut
	case "DELETE":
		return methodDelete
	case "OPTIONS":
		return methodOptions
	}
	return methodOther
}

// tokenCacheCollector reads the verified-token cache's counters at scrape
// time.
type tokenCacheCollector struct {
	stats func() (hits, misses, evictions uint64)
}

var (
	descCacheHits = prometheus.NewDesc("rowgate_jwt_cache_hits_total",
		"Verified-token cache lookups that found a live entry.", nil, nil)
	descCacheMisses = prometheus.NewDesc("rowgate_jwt_cache_misses_total",
		"Verified-token cache lookups that found no live entry.", nil, nil)
	descCacheEvictions = prometheus.NewDesc("rowgate_jwt_cache_evictions_total",
		"Verified-token cache entries pushed out to make room.", nil, nil)
	descPgrstCacheRequests = prometheus.NewDesc("pgrst_jwt_cache_requests_total",
		"Verified-token cache lookups; PostgREST's name.", nil, nil)
	descPgrstCacheHits = prometheus.NewDesc("pgrst_jwt_cache_hits_total",
		"Verified-token cache hits; PostgREST's name.", nil, nil)
	descPgrstCacheEvictions = prometheus.NewDesc("pgrst_jwt_cache_evictions_total",
		"Verified-token cache evictions; PostgREST's name.", nil, nil)
)

func (c *tokenCacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCacheHits, descCacheMisses, descCacheEvictions,
		descPgrstCacheRequests, descPgrstCacheHits, descPgrstCacheEvictions} {
		ch <- d
	}
}

func (c *tokenCacheCollector) Collect(ch chan<- prometheus.Metric) {
	hits, misses, evictions := c.stats()
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(descCacheHits, hits)
	counter(descCacheMisses, misses)
	counter(descCacheEvictions, evictions)
	counter(descPgrstCacheRequests, hits+misses)
	counter(descPgrstCacheHits, hits)
	counter(descPgrstCacheEvictions, evictions)
}

// requestResource finds the counters for the request's resource: the
// table of a /:resource route or the function of an /rpc/:fn route when
// the schema cache knows it, else the "unknown" ones. Names are looked up
// in every exposed schema, so a table or function is counted under its
// name whichever profile the request chose.
func (s *Server) requestResource(c echo.Context) *resourceCounters {
	m := s.opts.Metrics
	k := resourceKey{name: c.Param("resource")}
	if k.name == "" {
		k = resourceKey{fn: true, name: c.Param("fn")}
	}
	if k.name == "" {
		return m.unknown
	}
	if rc, ok := m.lookupResource(k); ok {
		return rc
	}

	// First sight of this name: only a name in the schema cache gets its
	// own label, so made-up paths cannot grow the number of series.
	cat := s.opts.Catalog()
	if cat == nil {
		return m.unknown
	}
	if strings.IndexByte(k.name, '%') >= 0 {
		unescaped, err := url.PathUnescape(k.name)
		if err != nil {
			return m.unknown
		}
		k.name = unescaped
	}
	for _, schema := range cat.Schemas {
		if k.fn && len(cat.Overloads(schema, k.name)) > 0 {
			return m.resourceCounters(k)
		}
		if _, ok := cat.Table(schema, k.name); ok && !k.fn {
			return m.resourceCounters(k)
		}
	}
	return m.unknown
}
