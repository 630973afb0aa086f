package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPrometheusScrapes runs a real Prometheus server with the scrape
// configuration and alerting rules shipped in deploy/, pointed at the
// shared gateway, and asks its HTTP API whether it scraped rowgate. It
// skips when no prometheus binary is installed, except in CI (CI=true),
// where it fails.
func TestPrometheusScrapes(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus is not installed; .ci/run installs Debian's package")
		}
		t.Skip("prometheus is not installed (apt-get install prometheus)")
	}

	// The shipped configuration, aimed at the test gateway every second.
	dir := t.TempDir()
	conf := shippedPrometheusConfig(t, strings.TrimPrefix(env.gw.admin, "http://"))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile("../deploy/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "alerts.yml"), rules, 0o600); err != nil {
		t.Fatal(err)
	}

	// Some traffic for the counters to show.
	for range 3 {
		call(t, http.MethodGet, "/items?select=id", "", "")
	}

	// Start Prometheus on a free loopback port.
	addr := fmt.Sprintf("127.0.0.1:%d", freePort())
	out := &syncBuffer{}
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	api := "http://" + addr + "/api/v1/"

	// Prometheus reports the target up once it has scraped it.
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := promQuery(api, `up{job="rowgate"}`)
		if err == nil && len(res) == 1 && res[0].Value[1] == "1" {
			break
		}
		select {
		case <-exited:
			t.Fatalf("prometheus exited:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus never scraped rowgate (last: %v %v):\n%s", res, err, out.String())
		}
		time.Sleep(250 * time.Millisecond)
	}

	// rowgate's own series arrived with their labels.
	res, err := promQuery(api, `rowgate_http_requests_total{job="rowgate",method="GET",resource="items"}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 {
		t.Fatal("no rowgate_http_requests_total series for GET /items")
	}
	if res[0].Metric["status"] == "" {
		t.Errorf("series lacks its status label: %v", res[0].Metric)
	}
	if res, err := promQuery(api, `pgrst_db_pool_max{job="rowgate"}`); err != nil || len(res) != 1 ||
		res[0].Value[1] != "2" {
		t.Errorf("pgrst_db_pool_max = %v %v, want 2", res, err)
	}

	// The shipped alerting rules loaded.
	var rulesResp struct {
		Data struct {
			Groups []struct {
				Name  string
				Rules []struct{ Name string }
			}
		}
	}
	if err := getJSON(api+"rules", &rulesResp); err != nil {
		t.Fatal(err)
	}
	if len(rulesResp.Data.Groups) == 0 || len(rulesResp.Data.Groups[0].Rules) == 0 {
		t.Errorf("no alerting rules loaded: %+v", rulesResp)
	}

	// Every query of the shipped Grafana dashboard is valid PromQL.
	for _, expr := range dashboardQueries(t) {
		if _, err := promQuery(api, expr); err != nil {
			t.Errorf("dashboard query %s: %v", expr, err)
		}
	}
}

// dashboardQueries returns the PromQL of every panel in
// deploy/grafana-dashboard.json, with Grafana's variables filled in.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	vars := strings.NewReplacer("$__rate_interval", "1m", "$instance", ".*")
	var out []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			out = append(out, vars.Replace(tg.Expr))
		}
	}
	if len(out) == 0 {
		t.Fatal("the dashboard has no queries")
	}
	return out
}

// shippedPrometheusConfig is deploy/prometheus.yml with the compose target
// replaced by target and a one-second scrape interval.
func shippedPrometheusConfig(t *testing.T, target string) string {
	t.Helper()
	b, err := os.ReadFile("../deploy/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	for _, r := range [][2]string{
		{`"rowgate:3001"`, `"` + target + `"`},
		{"scrape_interval: 15s", "scrape_interval: 1s"},
	} {
		if !strings.Contains(conf, r[0]) {
			t.Fatalf("deploy/prometheus.yml no longer contains %s", r[0])
		}
		conf = strings.ReplaceAll(conf, r[0], r[1])
	}
	return conf
}

// promSample is one element of an instant query's vector result.
type promSample struct {
	Metric map[string]string
	Value  [2]any
}

// promQuery runs an instant query against Prometheus' HTTP API.
func promQuery(api, query string) ([]promSample, error) {
	var resp struct {
		Status string
		Data   struct {
			ResultType string
			Result     []promSample
		}
	}
	if err := getJSON(api+"query?query="+url.QueryEscape(query), &resp); err != nil {
		return nil, err
	}
	if resp.Status != "success" {
		return nil, fmt.Errorf("query %s: status %s", query, resp.Status)
	}
	return resp.Data.Result, nil
}

func getJSON(target string, v any) error {
	resp, err := http.Get(target)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", target, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
