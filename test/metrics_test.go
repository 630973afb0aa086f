package test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
)

// TestMetricsMove scrapes the shared gateway before and after a few
// requests and checks that the counters and histograms moved by at least
// as much as this test caused (other tests run at the same time).
func TestMetricsMove(t *testing.T) {
	t.Parallel()
	before := scrape(t, env.gw)

	alice := token(t, userA, nil)
	for range 3 {
		if r := call(t, http.MethodGet, "/items?select=id", "", ""); r.Status != http.StatusOK {
			t.Fatalf("GET /items: %d %s", r.Status, r.Body)
		}
	}
	for range 2 {
		r := call(t, http.MethodGet, "/items?select=id", alice, "")
		if r.Status != http.StatusOK {
			t.Fatalf("GET /items as alice: %d %s", r.Status, r.Body)
		}
	}
	r := call(t, http.MethodPost, "/items", alice, `{"name":"metrics-move"}`)
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /items: %d %s", r.Status, r.Body)
	}
	expectError(t, call(t, http.MethodGet, "/no_such_table_for_metrics", "", ""), 404, "PGRST205")
	if r := call(t, http.MethodGet, "/items", "not-a-token", ""); r.Status != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", r.Status)
	}

	after := scrape(t, env.gw)
	grew := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"rowgate_http_requests_total", map[string]string{"method": "GET", "status": "2xx", "resource": "items"}, 5},
		{"rowgate_http_requests_total", map[string]string{"method": "POST", "status": "2xx", "resource": "items"}, 1},
		{"rowgate_http_requests_total", map[string]string{"method": "GET", "status": "4xx", "resource": "unknown"}, 1},
		{"rowgate_http_requests_total", map[string]string{"method": "GET", "status": "4xx", "resource": "items"}, 1},
		{"rowgate_http_request_duration_seconds", map[string]string{"method": "GET"}, 7},
		{"rowgate_http_request_duration_seconds", map[string]string{"method": "POST"}, 1},
		{"rowgate_db_statement_duration_seconds", nil, 6},
		{"rowgate_jwt_verifications_total", map[string]string{"outcome": "ok", "reason": "anonymous"}, 3},
		{"rowgate_jwt_verifications_total", map[string]string{"outcome": "rejected"}, 1},
		{"rowgate_jwt_cache_hits_total", nil, 2},
		{"pgrst_jwt_cache_requests_total", nil, 3},
		{"pgrst_jwt_cache_hits_total", nil, 2},
		{"rowgate_db_pool_acquires_total", nil, 6},
	}
	for _, g := range grew {
		d := value(after, g.name, g.labels) - value(before, g.name, g.labels)
		if d < g.min {
			t.Errorf("%s%v grew by %v, want at least %v", g.name, g.labels, d, g.min)
		}
	}

	// The histogram's sum moves with its count, and no made-up resource
	// name became a label.
	if h := series(after, "rowgate_http_request_duration_seconds", map[string]string{"method": "GET"}); h == nil ||
		h.GetHistogram().GetSampleSum() <= 0 {
		t.Errorf("GET duration histogram has no sum: %v", h)
	}
	if series(after, "rowgate_http_requests_total",
		map[string]string{"resource": "no_such_table_for_metrics"}) != nil {
		t.Error("an unknown resource name became a label value")
	}

	// State metrics.
	is := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"pgrst_db_pool_max", nil, 2},
		{"rowgate_db_pool_max_connections", nil, 2},
		{"rowgate_jwks_keys", nil, 1},
	}
	for _, c := range is {
		if got := value(after, c.name, c.labels); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	atLeast := []struct {
		name   string
		labels map[string]string
	}{
		{"rowgate_jwks_refreshes_total", map[string]string{"outcome": "success"}},
		{"pgrst_schema_cache_loads_total", map[string]string{"status": "SUCCESS"}},
		{"rowgate_schema_cache_reloads_total", map[string]string{"status": "success"}},
		{"rowgate_schema_cache_reload_duration_seconds", nil},
		{"rowgate_schema_cache_last_success_timestamp_seconds", nil},
		{"pgrst_schema_cache_query_time_seconds", nil},
		{"rowgate_build_info", nil},
	}
	for _, c := range atLeast {
		if value(after, c.name, c.labels) <= 0 {
			t.Errorf("%s%v is not positive", c.name, c.labels)
		}
	}
	for _, name := range []string{"rowgate_http_requests_in_flight", "pgrst_db_pool_available", "pgrst_db_pool_waiting",
		"pgrst_db_pool_timeouts_total", "pgrst_jwt_cache_evictions_total",
		"rowgate_db_pool_idle_connections", "rowgate_db_pool_acquired_connections",
		"rowgate_db_pool_empty_acquires_total", "rowgate_db_pool_empty_acquire_wait_seconds_total"} {
		if after[name] == nil {
			t.Errorf("%s is missing", name)
		}
	}
	build := series(after, "rowgate_build_info", nil)
	if build == nil || !hasLabel(build, "goversion") || !hasLabel(build, "commit") {
		t.Errorf("rowgate_build_info lacks its labels: %v", build)
	}

	// Our families follow Prometheus' naming rules.
	var ours []*dto.MetricFamily
	for name, mf := range after {
		if strings.HasPrefix(name, "rowgate_") || strings.HasPrefix(name, "pgrst_") {
			ours = append(ours, mf)
		}
	}
	problems, err := promlint.NewWithMetricFamilies(ours).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func hasLabel(m *dto.Metric, name string) bool {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name && lp.GetValue() != "" {
			return true
		}
	}
	return false
}

// TestAccessLog checks the request id round trip and that the access line
// has the request's facts and none of its secrets.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	alice := token(t, userA, nil)
	const id = "access-log-test-7f3a"
	r := call(t, http.MethodGet, "/items?name=eq.secret-filter-value", alice, "", "X-Request-Id: "+id)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d %s", r.Status, r.Body)
	}
	if got := r.Header.Get("X-Request-Id"); got != id {
		t.Errorf("X-Request-Id echoed as %q, want %q", got, id)
	}
	fresh := call(t, http.MethodGet, "/items?select=id", "", "", "X-Request-Id: bad id with spaces")
	if got := fresh.Header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Errorf("generated X-Request-Id = %q", got)
	}

	// The line is written after the response; give it a moment.
	var line string
	deadline := time.Now().Add(5 * time.Second)
	for line == "" && time.Now().Before(deadline) {
		for l := range strings.SplitSeq(env.gw.out.String(), "\n") {
			if strings.Contains(l, id) {
				line = l
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if line == "" {
		t.Fatal("no access line carries the request id")
	}
	for _, want := range []string{"request_id=" + id, "method=GET", "path=/items ",
		"role=authenticated", "status=200", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("access line lacks %q: %s", want, line)
		}
	}
	for _, secret := range []string{"secret-filter-value", alice, "Bearer"} {
		if strings.Contains(env.gw.out.String(), secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}
