package test

import (
	"context"
	"net/http"
	"os/exec"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ownGateway creates a database of the test's own with the operations
// fixture and starts a gateway on it with the shared JWKS and audience,
// overridden by settings. Both go away when the test ends. It returns the
// gateway and the database's name.
func ownGateway(t *testing.T, settings map[string]string) (*gatewayProc, string) {
	t.Helper()
	ctx := context.Background()
	name, drop, err := createDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	admin := withDB(baseURI(), name, "")
	if out, err := exec.Command(env.binary, "setup", "--db-uri", admin).CombinedOutput(); err != nil {
		t.Fatalf("rowgate setup: %v\n%s", err, out)
	}
	if err := execFile(ctx, admin, "testdata/ops.sql"); err != nil {
		t.Fatal(err)
	}

	all := map[string]string{
		"PGRST_DB_URI":             withDB(baseURI(), name, "authenticator"),
		"PGRST_DB_ANON_ROLE":       "anon",
		"PGRST_JWT_AUD":            audience,
		"ROWGATE_JWT_JWKS_URL":     env.jwks.URL,
		"ROWGATE_JWT_DEFAULT_ROLE": "authenticated",
	}
	for k, v := range settings {
		all[k] = v
	}
	g, err := startGateway(all)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)
	return g, name
}

// scrape reads a gateway's /metrics with Prometheus' own text parser.
func scrape(t *testing.T, g *gatewayProc) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(g.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics answered %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return mfs
}

// matching returns the samples of family name whose labels include want.
func matching(mfs map[string]*dto.MetricFamily, name string, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	mf := mfs[name]
	if mf == nil {
		return nil
	}
next:
	for _, m := range mf.GetMetric() {
		for k, v := range want {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		out = append(out, m)
	}
	return out
}

// series is the first sample matching want, or nil.
func series(mfs map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	if ms := matching(mfs, name, want); len(ms) > 0 {
		return ms[0]
	}
	return nil
}

// value sums the matching samples: counter, gauge and untyped values, and
// histogram sample counts; 0 when none match.
func value(mfs map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	var sum float64
	for _, m := range matching(mfs, name, labels) {
		switch {
		case m.GetCounter() != nil:
			sum += m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			sum += m.GetGauge().GetValue()
		case m.GetHistogram() != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		case m.GetUntyped() != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum
}
