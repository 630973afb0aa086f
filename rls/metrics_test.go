package rls_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/rowgate/rowgate/rls"
)

func TestPoolCollector(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 1, pgx.QueryExecModeExec)
	ctx := context.Background()

	// Hold the only connection, and let a second acquisition time out
	// while three requests claim to be under way.
	held, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if c, err := pool.Acquire(tctx); err == nil {
		c.Release()
		t.Fatal("second acquire succeeded on a pool of one")
	}

	got, mfs := metricValues(t, rls.NewPoolCollector(pool, func() int64 { return 3 }))
	cases := []struct {
		name string
		want float64
	}{
		{"rowgate_db_pool_connections", 1},
		{"rowgate_db_pool_acquired_connections", 1},
		{"rowgate_db_pool_idle_connections", 0},
		{"rowgate_db_pool_max_connections", 1},
		{"rowgate_db_pool_canceled_acquires_total", 1},
		{"pgrst_db_pool_max", 1},
		{"pgrst_db_pool_available", 0},
		{"pgrst_db_pool_waiting", 2},
		{"pgrst_db_pool_timeouts_total", 1},
	}
	for _, c := range cases {
		if got[c.name] != c.want {
			t.Errorf("%s = %v, want %v", c.name, got[c.name], c.want)
		}
	}
	if got["rowgate_db_pool_acquires_total"] < 1 {
		t.Errorf("acquires_total = %v, want at least 1", got["rowgate_db_pool_acquires_total"])
	}

	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	if n := testutil.CollectAndCount(rls.NewPoolCollector(pool, nil)); n != 16 {
		t.Errorf("collector sends %d metrics, want 16", n)
	}
}
