package gateway

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/rowgate/rowgate/rls"
)

func newTestMetrics(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, "1.2.3", "abc123")
	if err := m.RegisterTokenCache(func() (uint64, uint64, uint64) { return 7, 3, 1 }); err != nil {
		t.Fatal(err)
	}
	return m, reg
}

func TestMetricsLint(t *testing.T) {
	t.Parallel()
	m, reg := newTestMetrics(t)
	// Give every vector a child so that the linter sees it.
	m.observeRequest("GET", m.resourceCounters(resourceKey{name: "items"}), 200, time.Millisecond)
	m.ObserveVerify("ok", "verified")
	m.ObserveRefresh(nil, 2)
	m.ObserveSchemaLoad(time.Millisecond, nil)

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestMetricsRequests(t *testing.T) {
	t.Parallel()
	m, _ := newTestMetrics(t)
	m.observeRequest("GET", m.resourceCounters(resourceKey{name: "items"}), 200, time.Millisecond)
	m.observeRequest("GET", m.resourceCounters(resourceKey{name: "items"}), 206, time.Millisecond)
	m.observeRequest("POST", m.resourceCounters(resourceKey{name: "items"}), 409, time.Millisecond)
	m.observeRequest("BREW", m.unknown, 999, time.Millisecond)
	m.observeRequest("POST", m.resourceCounters(resourceKey{fn: true, name: "items"}), 200, time.Millisecond)
	if n := testutil.CollectAndCount(m.requests); n != 4 {
		t.Errorf("request series = %d, want 4 (one per label set used)", n)
	}

	cases := []struct {
		method, class, resource string
		want                    float64
	}{
		{"GET", "2xx", "items", 2},
		{"POST", "4xx", "items", 1},
		{"OTHER", "5xx", "unknown", 1},
		{"GET", "5xx", "items", 0},
		{"POST", "2xx", "items", 0},
		{"POST", "2xx", "rpc/items", 1},
	}
	for _, c := range cases {
		got := testutil.ToFloat64(m.requests.WithLabelValues(c.method, c.class, c.resource))
		if got != c.want {
			t.Errorf("requests{%s,%s,%s} = %v, want %v", c.method, c.class, c.resource, got, c.want)
		}
	}
}

func TestMetricsObserveRequestAllocs(t *testing.T) {
	m, _ := newTestMetrics(t)
	m.observeRequest("GET", m.resourceCounters(resourceKey{name: "items"}), 200, time.Millisecond)
	allocs := testing.AllocsPerRun(1000, func() {
		m.observeRequest("GET", m.resourceCounters(resourceKey{name: "items"}), 200, time.Millisecond)
	})
	if allocs != 0 {
		t.Errorf("observeRequest allocates %v times per request, want 0", allocs)
	}
}

func TestMetricsHooks(t *testing.T) {
	t.Parallel()
	m, reg := newTestMetrics(t)
	m.ObserveVerify("ok", "cached")
	m.ObserveVerify("ok", "cached")
	m.ObserveVerify("rejected", "expired")
	m.ObserveRefresh(nil, 3)
	m.ObserveRefresh(errors.New("down"), 0)
	m.ObserveSchemaLoad(20*time.Millisecond, nil)
	m.ObserveSchemaLoad(time.Millisecond, errors.New("gone"))

	checks := []struct {
		name string
		c    prometheus.Collector
		want float64
	}{
		{"verify ok/cached", m.jwtVerify.WithLabelValues("ok", "cached"), 2},
		{"verify rejected/expired", m.jwtVerify.WithLabelValues("rejected", "expired"), 1},
		{"refresh success", m.jwksRefresh[0], 1},
		{"refresh failure", m.jwksRefresh[1], 1},
		{"keys", m.jwksKeys, 3},
		{"schema success", m.schemaLoads[0], 1},
		{"schema failure", m.schemaLoads[1], 1},
		{"pgrst SUCCESS", m.pgrstLoads[0], 1},
		{"pgrst FAIL", m.pgrstLoads[1], 1},
		{"pgrst query time", m.pgrstQueryTime, 0.001},
	}
	for _, c := range checks {
		if got := testutil.ToFloat64(c.c); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if ts := testutil.ToFloat64(m.schemaLast); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("last success timestamp %v is not recent", ts)
	}

	// The token cache is read at scrape time, under both names.
	want := `
# HELP pgrst_jwt_cache_requests_total Verified-token cache lookups; PostgREST's name.
# TYPE pgrst_jwt_cache_requests_total counter
pgrst_jwt_cache_requests_total 10
# HELP rowgate_jwt_cache_misses_total Verified-token cache lookups that found no live entry.
# TYPE rowgate_jwt_cache_misses_total counter
rowgate_jwt_cache_misses_total 3
`
	err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"pgrst_jwt_cache_requests_total", "rowgate_jwt_cache_misses_total")
	if err != nil {
		t.Error(err)
	}
	err = testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP rowgate_build_info Always 1; labelled with the version, commit and Go version of the binary.
# TYPE rowgate_build_info gauge
`), "rowgate_build_info")
	if err == nil || !strings.Contains(err.Error(), `commit="abc123"`) {
		t.Errorf("build info does not carry the commit: %v", err)
	}
}

func TestSaturatedAnswers503(t *testing.T) {
	t.Parallel()
	o := newObservedDB(nil, nil, 0)
	cases := []struct {
		name       string
		err        error
		wantStatus int
		retry      string
	}{
		{"pool timeout", &rls.Error{Status: 504, Code: "PGRST003", Message: "timed out"}, 503, "1"},
		{"other", &rls.Error{Status: 409, Code: "23505"}, 409, ""},
	}
	for _, c := range cases {
		ae := toAPIError(o.saturated(c.err))
		if ae.Status != c.wantStatus || ae.Header.Get("Retry-After") != c.retry {
			t.Errorf("%s: status %d Retry-After %q, want %d %q",
				c.name, ae.Status, ae.Header.Get("Retry-After"), c.wantStatus, c.retry)
		}
	}
}

func TestTimingHeader(t *testing.T) {
	t.Parallel()
	var off *timing
	off.mark(phaseJWT) // a nil timing records nothing and does not panic

	tm := &timing{last: time.Now().Add(-3 * time.Millisecond)}
	tm.mark(phaseJWT)
	tm.mark(phasePlan)
	h := tm.header()
	if !strings.HasPrefix(h, "jwt;dur=") || !strings.Contains(h, ", plan;dur=") ||
		strings.Contains(h, "parse") {
		t.Errorf("header = %q", h)
	}
	if strings.HasPrefix(h, "jwt;dur=0.") {
		t.Errorf("jwt phase lost its 3 ms: %q", h)
	}
}

func TestRequestIDs(t *testing.T) {
	t.Parallel()
	g := newRequestIDs()
	a, b := g.next(), g.next()
	if a == b || a == "" {
		t.Fatalf("ids %q and %q", a, b)
	}
	cases := []struct {
		in   string
		keep bool
	}{
		{"abc-123", true},
		{"", false},
		{"has space", false},
		{"new\nline", false},
		{strings.Repeat("x", 129), false},
	}
	for _, c := range cases {
		got := g.pick(c.in)
		if (got == c.in) != c.keep {
			t.Errorf("pick(%q) = %q, keep = %v", c.in, got, c.keep)
		}
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	m := NewMetrics(prometheus.NewRegistry(), "dev", "none")
	rc := m.resourceCounters(resourceKey{name: "items"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.observeRequest("GET", rc, 200, time.Millisecond)
		}
	})
}
