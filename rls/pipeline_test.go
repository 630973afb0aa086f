package rls_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rowgate/rowgate/rls"
)

// metricValues gathers c's metrics, each a gauge or counter without
// labels, by name, with the families for further checks.
func metricValues(t *testing.T, c prometheus.Collector) (map[string]float64, []*dto.MetricFamily) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		got[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	return got, mfs
}

// whoAmI reports the request's subject and how many rows RLS lets it see.
const whoAmI = `SELECT 1::bigint, -1::bigint,
	json_build_object('sub', current_setting('request.jwt.claims', true)::json ->> 'sub',
		'rows', (SELECT count(*) FROM api.items))::text,
	NULL::text, NULL::text`

// failsForOdd fails with division by zero when $1 is odd.
const failsForOdd = `SELECT 1::bigint, -1::bigint, (1 / (1 - $1::int % 2))::text, NULL::text, NULL::text`

// queueingRunner is a runner on a pool of conns connections that queues
// requests behind any exchange whose statement takes less than a second.
func queueingRunner(t *testing.T, e *env, conns int32) *rls.Runner {
	t.Helper()
	r := rls.NewRunner(e.pool(t, conns, execModes[0]))
	r.PipelineWindow = time.Second
	return r
}

// hammer runs f(worker, i) from workers goroutines, rounds times each,
// and fails t with the first error.
func hammer(t *testing.T, workers, rounds int, f func(worker, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				if err := f(w, i); err != nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Requests queued behind other users' exchanges on the same connection
// run with their own identity and see only their own rows.
func TestQueuedRequestsKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := queueingRunner(t, e, 2)
	subs := []string{userA, userB}
	for i := range 22 {
		subs = append(subs, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	hammer(t, len(subs), 60, func(w, _ int) error {
		res, err := r.Run(context.Background(), userEnv(subs[w]), whoAmI, nil)
		if err != nil {
			return err
		}
		var got struct {
			Sub  string
			Rows int
		}
		if err := json.Unmarshal(res.Body, &got); err != nil {
			return fmt.Errorf("body %s: %w", res.Body, err)
		}
		want := 2 // the public rows
		if w < 2 {
			want = 3 // and the user's private one
		}
		if got.Sub != subs[w] || got.Rows != want {
			return fmt.Errorf("got %+v, want sub %s seeing %d rows", got, subs[w], want)
		}
		return nil
	})
	if q := r.QueueStats(); q.Queued == 0 || q.Waits == 0 {
		t.Fatalf("nothing was queued (%+v): the test did not exercise queueing", q)
	}
}

// An error in one exchange leaves the exchange queued behind it alone,
// and every acknowledged write is there while no refused one is.
func TestQueuedRequestsFailAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := queueingRunner(t, e, 2)
	var written atomic.Int64
	hammer(t, 16, 40, func(w, i int) error {
		ctx := context.Background()
		switch (w + i) % 3 {
		case 0: // fails for odd values, in the statement
			res, err := r.Run(ctx, anonEnv(), failsForOdd, []any{i})
			if i%2 == 1 {
				if rerr, ok := errors.AsType[*rls.Error](err); !ok || rerr.Code != "22012" {
					return fmt.Errorf("odd value: got %v, want division by zero", err)
				}
				return nil
			}
			if err != nil || string(res.Body) != "1" {
				return fmt.Errorf("even value: got %v, %v", res, err)
			}
		case 1: // a write refused at commit for odd rounds
			label := fmt.Sprintf("w%d-r%d", w, i)
			if i%2 == 1 {
				label = "commit-fails-" + label
			}
			env := userEnv(userA)
			env.Method = "POST"
			_, err := r.Run(ctx, env, insertItem, []any{userA, label, false})
			if i%2 == 1 {
				if rerr, ok := errors.AsType[*rls.Error](err); !ok || rerr.Code != "PT418" {
					return fmt.Errorf("refused write: got %v", err)
				}
				return nil
			}
			if err != nil {
				return err
			}
			written.Add(1)
		default:
			if _, err := r.Run(ctx, userEnv(userB), whoAmI, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if q := r.QueueStats(); q.Queued == 0 {
		t.Fatalf("nothing was queued (%+v): the test did not exercise queueing", q)
	}
	if got, want := e.count(t, "label LIKE 'w%'"), int(written.Load()); got != want {
		t.Errorf("%d rows written, %d acknowledged", got, want)
	}
	if n := e.count(t, "label LIKE 'commit-fails-%'"); n != 0 {
		t.Errorf("%d refused rows were kept", n)
	}
}

// While the runner holds every connection, a waiting request still gives
// up at the acquisition timeout (504) or when its client leaves (503),
// and leaves no place taken behind it.
func TestRunnerQueueTimeoutAndLeaving(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pool := e.pool(t, 1, execModes[0])
	r := rls.NewRunner(pool)
	r.PipelineWindow = time.Second
	r.AcquireTimeout = 100 * time.Millisecond
	sleeping := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), anonEnv(),
			`SELECT 1::bigint, -1::bigint, pg_sleep(1)::text, NULL::text, NULL::text`, nil)
		sleeping <- err
	}()
	time.Sleep(200 * time.Millisecond) // the sleeper holds the only connection

	start := time.Now()
	rerr := runErr(t, r, anonEnv(), selectItems)
	if rerr.Status != 504 || rerr.Code != "PGRST003" || time.Since(start) > 600*time.Millisecond {
		t.Errorf("timeout: got %+v after %s", rerr, time.Since(start))
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel) // before the timeout
	start = time.Now()
	_, err := r.Run(ctx, anonEnv(), selectItems, nil)
	if rerr, ok := errors.AsType[*rls.Error](err); !ok || rerr.Status != 503 || rerr.Code == "PGRST003" {
		t.Errorf("client gone: got %v after %s", err, time.Since(start))
	}

	if err := <-sleeping; err != nil {
		t.Fatalf("sleeper: %v", err)
	}
	if q := r.QueueStats(); q.Abandoned != 2 || q.Waits != 2 {
		t.Errorf("queue stats %+v, want 2 waits, both abandoned", q)
	}
	// The pool never saw those waits; the collector adds them to its own
	// (the first acquisition, which opened the connection, is one).
	got, _ := metricValues(t, rls.NewPoolCollector(pool, nil).WithRunner(r))
	for name, want := range map[string]float64{
		"rowgate_db_pool_canceled_acquires_total": 2,
		"pgrst_db_pool_timeouts_total":            2,
		"rowgate_db_pool_empty_acquires_total":    2,
		"rowgate_db_queued_exchanges_total":       0,
	} {
		if got[name] < want || (want == 0 && got[name] != 0) {
			t.Errorf("%s = %v, want %v or more", name, got[name], want)
		}
	}
	// Nobody kept a place: the next request gets the connection at once.
	run(t, r, anonEnv(), selectItems)
}
