package rls

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCollector exports a connection pool's statistics to Prometheus,
// read from [pgxpool.Pool.Stat] at every scrape, under rowgate's names and
// under PostgREST's pgrst_db_pool_* names.
type PoolCollector struct {
	pool *pgxpool.Pool
	// pending counts requests that asked for a connection and have not
	// finished with it; nil reports pgrst_db_pool_waiting as 0.
	pending func() int64
	// runner, when set, adds the waits in its own queue to the pool's.
	runner *Runner
}

// WithRunner makes c count the waits in r's own queue (see
// [Runner.QueueStats]) with the pool's, and export how many requests
// went out queued behind another one. It returns c.
func (c *PoolCollector) WithRunner(r *Runner) *PoolCollector {
	c.runner = r
	return c
}

// NewPoolCollector returns a collector for pool. pending, when not nil,
// returns how many requests have asked for a connection and not finished
// with it; the pool itself does not count its waiters, so
// pgrst_db_pool_waiting is estimated as pending minus the acquired
// connections.
func NewPoolCollector(pool *pgxpool.Pool, pending func() int64) *PoolCollector {
	return &PoolCollector{pool: pool, pending: pending}
}

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, nil, nil)
}

var (
	descPoolTotal = poolDesc("rowgate_db_pool_connections",
		"Open connections in the pool, idle or acquired.")
	descPoolIdle = poolDesc("rowgate_db_pool_idle_connections",
		"Open connections waiting in the pool.")
	descPoolAcquired = poolDesc("rowgate_db_pool_acquired_connections",
		"Connections lent out to requests.")
	descPoolConstructing = poolDesc("rowgate_db_pool_constructing_connections",
		"Connections being opened.")
	descPoolMax = poolDesc("rowgate_db_pool_max_connections",
		"Largest number of connections the pool opens (db-pool).")
	descPoolAcquires = poolDesc("rowgate_db_pool_acquires_total",
		"Successful connection acquisitions.")
	descPoolAcquireSeconds = poolDesc("rowgate_db_pool_acquire_duration_seconds_total",
		"Time spent in successful connection acquisitions.")
	descPoolEmptyAcquires = poolDesc("rowgate_db_pool_empty_acquires_total",
		"Successful acquisitions that had to wait because no connection was idle.")
	descPoolEmptyWaitSeconds = poolDesc("rowgate_db_pool_empty_acquire_wait_seconds_total",
		"Time spent waiting in acquisitions that found no idle connection.")
	descPoolCanceled = poolDesc("rowgate_db_pool_canceled_acquires_total",
		"Acquisitions given up because the request's context ended or the "+
			"acquisition timeout passed.")
	descPoolNewConns = poolDesc("rowgate_db_pool_new_connections_total",
		"Connections opened by the pool.")

	descPgrstAvailable = poolDesc("pgrst_db_pool_available",
		"Idle connections ready to be lent; PostgREST's name.")
	descPgrstWaiting = poolDesc("pgrst_db_pool_waiting",
		"Requests waiting for a connection (estimated); PostgREST's name.")
	descPgrstMax = poolDesc("pgrst_db_pool_max",
		"Largest number of connections in the pool; PostgREST's name.")
	descPoolQueued = poolDesc("rowgate_db_queued_exchanges_total",
		"Requests whose statements went out on a busy connection, behind another request's.")
	descPgrstTimeouts = poolDesc("pgrst_db_pool_timeouts_total",
		"Acquisitions given up before a connection came free; PostgREST's name.")
)

// Describe sends the descriptors of every metric Collect sends.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descPoolTotal, descPoolIdle, descPoolAcquired, descPoolConstructing, descPoolMax,
		descPoolAcquires, descPoolAcquireSeconds, descPoolEmptyAcquires,
		descPoolEmptyWaitSeconds, descPoolCanceled, descPoolNewConns,
		descPgrstAvailable, descPgrstWaiting, descPgrstMax, descPgrstTimeouts, descPoolQueued,
	} {
		ch <- d
	}
}

// Collect reads the pool's statistics once and sends them.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}

	// Connections now.
	gauge(descPoolTotal, float64(s.TotalConns()))
	gauge(descPoolIdle, float64(s.IdleConns()))
	gauge(descPoolAcquired, float64(s.AcquiredConns()))
	gauge(descPoolConstructing, float64(s.ConstructingConns()))
	gauge(descPoolMax, float64(s.MaxConns()))

	// Acquisitions so far, with the waits in the runner's own queue.
	var q QueueStats
	if c.runner != nil {
		q = c.runner.QueueStats()
	}
	canceled := float64(s.CanceledAcquireCount() + q.Abandoned)
	counter(descPoolAcquires, float64(s.AcquireCount()+q.Handed))
	counter(descPoolAcquireSeconds, (s.AcquireDuration() + q.WaitTime).Seconds())
	counter(descPoolEmptyAcquires, float64(s.EmptyAcquireCount()+q.Waits))
	counter(descPoolEmptyWaitSeconds, (s.EmptyAcquireWaitTime() + q.WaitTime).Seconds())
	counter(descPoolCanceled, canceled)
	counter(descPoolNewConns, float64(s.NewConnsCount()))
	counter(descPoolQueued, float64(q.Queued))

	// PostgREST's view of the same numbers.
	var waiting int64
	if c.pending != nil {
		waiting = max(c.pending()-int64(s.AcquiredConns()), 0)
	}
	gauge(descPgrstAvailable, float64(s.IdleConns()))
	gauge(descPgrstWaiting, float64(waiting))
	gauge(descPgrstMax, float64(s.MaxConns()))
	counter(descPgrstTimeouts, canceled)
}
