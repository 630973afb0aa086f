package gateway

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rowgate/rowgate/rls"
)

// observedDB wraps the [Executor] every request goes through: it times the
// call, counts the calls under way and turns a pool timeout into 503 with
// Retry-After.
type observedDB struct {
	next Executor
	// hist receives the duration of every call; nil records nothing.
	hist prometheus.Observer
	// retryAfter is the Retry-After value sent with PGRST003.
	retryAfter string
	// pending counts calls that have started and not returned.
	pending atomic.Int64
}

func newObservedDB(next Executor, hist prometheus.Observer, retryAfter time.Duration) *observedDB {
	secs := max(int64(retryAfter/time.Second), 1)
	return &observedDB{next: next, hist: hist, retryAfter: strconv.FormatInt(secs, 10)}
}

// Run calls the wrapped Executor.
func (o *observedDB) Run(ctx context.Context, env *rls.Env, sql string, args []any) (*rls.Result, error) {
	o.pending.Add(1)
	start := time.Now()
	res, err := o.next.Run(ctx, env, sql, args)
	if o.hist != nil {
		o.hist.Observe(time.Since(start).Seconds())
	}
	o.pending.Add(-1)
	if err != nil {
		return nil, o.saturated(err)
	}
	return res, nil
}

// saturated answers a pool acquire timeout (PGRST003) with 503 and
// Retry-After. PostgREST answers PGRST003 with 504, but no upstream timed
// out: the gateway itself is saturated, and 503 with Retry-After is what
// load balancers and clients treat as "back off and retry", so rowgate
// keeps the code and uses 503.
func (o *observedDB) saturated(err error) error {
	var re *rls.Error
	if !errors.As(err, &re) || re.Code != "PGRST003" {
		return err
	}
	return &apiError{
		Status:  http.StatusServiceUnavailable,
		Code:    re.Code,
		Message: re.Message,
		Details: re.Details,
		Hint:    re.Hint,
		Header:  http.Header{"Retry-After": {o.retryAfter}},
		cause:   err,
	}
}

// Pending returns the number of database calls under way: those waiting
// for a pooled connection and those holding one. Pool metrics use it to
// estimate how many requests wait.
func (s *Server) Pending() int64 {
	return s.db.pending.Load()
}
