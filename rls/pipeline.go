package rls

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Queueing behind a busy connection
//
// When every connection of the pool is in use, a request would wait for
// one to come back: the connection's backend sends its last result, goes
// to sleep on its socket, and is woken again when the next request's
// statements arrive. Instead, the runner may write the next request's
// statements on a connection whose exchange is still on its way, right
// behind it. Every exchange ends with its own Sync, so PostgreSQL runs the
// two as separate implicit transactions, one after the other, and an
// error in the first skips nothing of the second. The backend finds the
// next statements already waiting when it finishes, and the write that
// hands them over wakes nobody.
//
// To stay fair, the runner keeps the queue of waiting requests itself
// while it holds every connection of the pool: a connection that a
// request is done with goes straight to the first waiting request, and
// the first waiting request is also the one that may queue behind an
// exchange just sent. The price is coupling: the queued request's results
// come after those of the request ahead, however long that one runs. So a
// request queues only behind an exchange that has just gone out (within
// PipelineWindow), at most one request queues behind another, and only a
// request whose statements are all prepared on that connection, with no
// deallocation pending, queues at all: its exchange is plain Bind and
// Execute messages. A request that needs BEGIN and COMMIT (Env.Check) or a
// rollback never queues and never has one queued behind it.
//
// A connection handed from request to request for longer than
// poolRoundInterval goes back through the pool, so the pool's own rules
// (lifetime, health checks) still apply to it.

// poolRoundInterval bounds how long a connection goes from request to
// request without going back through the pool.
const poolRoundInterval = time.Second

// maxQueuedWrite bounds the messages a request writes behind another
// one, well below socket buffer sizes.
const maxQueuedWrite = 32 << 10

// errNotQueued tells attempt to run the request as usual once the
// exchange ahead has been read.
var errNotQueued = errors.New("rls: not queued")

// lane is a connection with an implicit exchange on its way, which one
// request may queue behind. Runner.mu guards next.
type lane struct {
	conn   *pgxpool.Conn
	sentAt time.Time
	// cost is the exchange's statement's cost (stmtEntry.cost).
	cost *atomic.Int64
	// since is when conn left the pool.
	since time.Time
	next  *waiter
}

// waiter is a request waiting for a connection while the runner holds all
// of them.
type waiter struct {
	// keys are the statements the request runs, or nil when it cannot
	// queue behind an exchange; descs receives their descriptions when it
	// does.
	keys  []stmtKey
	descs []*pgconn.StatementDescription

	// ready is closed when the request has its grant.
	ready chan struct{}
	grant grant
}

// grant is what a request gets to run on.
type grant struct {
	// conn is the connection, or nil when the request must acquire one
	// from the pool (its place among the runner's connections is kept).
	conn *pgxpool.Conn
	// behind, when not nil, is closed once the exchange ahead on conn has
	// been read to its end; the request writes its statements before.
	behind chan struct{}
	// since is when conn left the pool.
	since time.Time
	// cost is the cost of the request's exchange when it queues.
	cost *atomic.Int64
}

// queueStats counts what the runner's own queue does.
type queueStats struct {
	waits, waitNanos, abandoned, queued atomic.Int64
	// handed counts requests that got a connection from the runner, not
	// from the pool.
	handed atomic.Int64
}

// QueueStats is what the runner's queue has done so far.
type QueueStats struct {
	// Waits counts requests that waited in the runner's queue for a
	// connection, and WaitTime their total wait.
	Waits    int64
	WaitTime time.Duration
	// Abandoned counts requests that gave up waiting there: the client
	// left or the acquisition timeout passed.
	Abandoned int64
	// Queued counts requests whose statements went out behind another
	// request's exchange.
	Queued int64
	// Handed counts requests that got their connection from another
	// request rather than from the pool (queued ones included).
	Handed int64
}

// QueueStats returns what the runner's own queue has done so far. It adds
// to the pool's statistics: a request waiting there does not wait in the
// pool.
func (r *Runner) QueueStats() QueueStats {
	return QueueStats{
		Waits:     r.queueStats.waits.Load(),
		WaitTime:  time.Duration(r.queueStats.waitNanos.Load()),
		Abandoned: r.queueStats.abandoned.Load(),
		Queued:    r.queueStats.queued.Load(),
		Handed:    r.queueStats.handed.Load(),
	}
}

// queueing reports whether requests may queue behind one another.
func (r *Runner) queueing() bool {
	return r.PipelineWindow > 0 && r.StatementCacheSize > 0
}

// obtain returns a connection for a request whose statements are keys
// (nil when it cannot queue behind another request).
func (r *Runner) obtain(ctx context.Context, keys []stmtKey, descs []*pgconn.StatementDescription) (grant, error) {
	if !r.queueing() {
		conn, err := r.acquire(ctx)
		return grant{conn: conn}, err
	}
	r.mu.Lock()
	if r.held < r.maxConns {
		r.held++
		r.mu.Unlock()
		return r.acquireHeld(ctx)
	}
	if len(r.waiters) == 0 && keys != nil {
		if l, cost := r.pickLane(keys, descs); l != nil {
			w := &waiter{grant: grant{conn: l.conn, behind: make(chan struct{}), since: l.since, cost: cost}}
			l.next = w
			r.dropLane(l)
			r.mu.Unlock()
			r.queueStats.queued.Add(1)
			r.queueStats.handed.Add(1)
			return w.grant, nil
		}
	}
	w := &waiter{keys: keys, descs: descs, ready: make(chan struct{})}
	r.waiters = append(r.waiters, w)
	r.mu.Unlock()
	start := time.Now()
	defer func() {
		r.queueStats.waits.Add(1)
		r.queueStats.waitNanos.Add(int64(time.Since(start)))
	}()

	var timeout <-chan time.Time
	if r.AcquireTimeout > 0 {
		t := time.NewTimer(r.AcquireTimeout)
		defer t.Stop()
		timeout = t.C
	}
	var err error
	select {
	case <-w.ready:
	case <-ctx.Done():
		err = ctx.Err()
	case <-timeout:
		err = context.DeadlineExceeded
	}
	if err != nil {
		r.mu.Lock()
		if i := slices.Index(r.waiters, w); i >= 0 {
			r.waiters = slices.Delete(r.waiters, i, i+1)
			r.mu.Unlock()
			r.queueStats.abandoned.Add(1)
			return grant{}, &acquireError{err: err}
		}
		r.mu.Unlock()
		// The grant came meanwhile: the request is committed to it.
		<-w.ready
	}
	if w.grant.conn == nil {
		// What is left of the acquisition timeout bounds the pool's wait.
		timeout := r.AcquireTimeout
		if timeout > 0 {
			if timeout -= time.Since(start); timeout <= 0 {
				timeout = time.Nanosecond
			}
		}
		return r.acquireHeldWithin(ctx, timeout)
	}
	r.queueStats.handed.Add(1)
	return w.grant, nil
}

// acquireHeld acquires a connection from the pool for a place already
// counted in held, and gives the place up when that fails.
func (r *Runner) acquireHeld(ctx context.Context) (grant, error) {
	return r.acquireHeldWithin(ctx, r.AcquireTimeout)
}

// acquireHeldWithin is acquireHeld waiting at most timeout.
func (r *Runner) acquireHeldWithin(ctx context.Context, timeout time.Duration) (grant, error) {
	conn, err := r.acquireWithin(ctx, timeout)
	if err != nil {
		r.giveUp()
		return grant{}, err
	}
	return grant{conn: conn, since: time.Now()}, nil
}

// giveUp hands a place among the held connections to the first waiting
// request, which then acquires a connection itself, or frees it.
func (r *Runner) giveUp() {
	r.mu.Lock()
	if len(r.waiters) == 0 {
		r.held--
		r.mu.Unlock()
		return
	}
	w := r.waiters[0]
	r.waiters = slices.Delete(r.waiters, 0, 1)
	r.mu.Unlock()
	w.grant = grant{}
	close(w.ready)
}

// pickLane returns the lane whose exchange went out first within the
// window and on whose connection keys are all prepared. The caller holds
// mu.
func (r *Runner) pickLane(keys []stmtKey, descs []*pgconn.StatementDescription) (*lane, *atomic.Int64) {
	now := time.Now()
	var best *lane
	var cost *atomic.Int64
	for _, l := range r.lanes {
		if now.Sub(l.sentAt) >= r.PipelineWindow || now.Sub(l.since) >= poolRoundInterval ||
			(best != nil && !l.sentAt.Before(best.sentAt)) {
			continue
		}
		if c := preparedOn(l.conn, r.StatementCacheSize, keys, descs); c != nil {
			best, cost = l, c
		}
	}
	return best, cost
}

// preparedOn returns the cost of keys' exchange on conn (see
// stmtCache.prepared), or nil when they are not all prepared there.
func preparedOn(conn *pgxpool.Conn, size int, keys []stmtKey, descs []*pgconn.StatementDescription) *atomic.Int64 {
	cache := statements(conn.Conn().PgConn(), size)
	if cache == nil {
		return nil
	}
	return cache.prepared(keys, descs)
}

// dropLane removes l from the lanes; the caller holds mu.
func (r *Runner) dropLane(l *lane) {
	if i := slices.Index(r.lanes, l); i >= 0 {
		r.lanes = slices.Delete(r.lanes, i, i+1)
	}
}

// hold is a request's use of a connection. The request passes it to the
// request queued behind its exchange, or gives it to the first waiting
// request, or returns it to the pool.
type hold struct {
	r     *Runner
	conn  *pgxpool.Conn
	since time.Time
	l     lane
	open  bool
	// passed says a queued request holds the connection now; wasClosed
	// is whether it was closed then.
	passed, wasClosed bool
}

// offer lets one request queue behind an implicit exchange that has had
// the connection to itself since sentAt, whose statement's cost is cost
// (nil when unknown): the first waiting
// request if it can, or else the next one to come while nobody waits.
// Whether or not one does, pass measures the exchange into cost.
func (h *hold) offer(cost *atomic.Int64, sentAt time.Time) {
	r := h.r
	if !r.queueing() || cost == nil {
		return
	}
	h.l = lane{conn: h.conn, sentAt: sentAt, since: h.since, cost: cost}
	h.open = true
	if h.conn.Conn().IsClosed() || time.Since(h.since) >= poolRoundInterval {
		// Nobody may queue on a dead connection, nor on one due back
		// in the pool.
		return
	}
	if c := cost.Load(); c == 0 || c >= int64(r.PipelineWindow) {
		// Unmeasured or too slow to wait behind: measure it only.
		return
	}
	r.mu.Lock()
	if len(r.waiters) > 0 {
		w := r.waiters[0]
		var wcost *atomic.Int64
		if w.keys != nil {
			wcost = preparedOn(h.conn, r.StatementCacheSize, w.keys, w.descs)
		}
		if wcost != nil {
			r.waiters = slices.Delete(r.waiters, 0, 1)
			h.l.next = w
			r.mu.Unlock()
			r.queueStats.queued.Add(1)
			w.grant = grant{conn: h.conn, behind: make(chan struct{}), since: h.since, cost: wcost}
			close(w.ready)
			return
		}
	}
	r.lanes = append(r.lanes, &h.l)
	r.mu.Unlock()
}

// pass ends the offer once the exchange has been read to its end: a
// request queued meanwhile takes the connection over.
func (h *hold) pass() {
	if !h.open {
		return
	}
	h.open = false
	// A moving average over about eight exchanges.
	d := int64(time.Since(h.l.sentAt))
	if c := h.l.cost.Load(); c == 0 {
		h.l.cost.Store(d)
	} else {
		h.l.cost.Store(c + (d-c)/8)
	}
	r := h.r
	r.mu.Lock()
	w := h.l.next
	if w == nil {
		r.dropLane(&h.l)
	}
	r.mu.Unlock()
	if w == nil {
		return
	}
	h.wasClosed = h.conn.Conn().IsClosed()
	h.passed = true
	close(w.grant.behind)
}

// closed reports whether the connection was closed, when the request
// last held it.
func (h *hold) closed() bool {
	if h.passed {
		return h.wasClosed
	}
	return h.conn.Conn().IsClosed()
}

// release ends the request's use of the connection.
func (h *hold) release() {
	h.pass()
	if h.passed {
		return
	}
	r := h.r
	if !r.queueing() {
		h.conn.Release()
		return
	}
	r.mu.Lock()
	pc := h.conn.Conn().PgConn()
	if len(r.waiters) > 0 && !pc.IsClosed() && !pc.IsBusy() && pc.TxStatus() == 'I' &&
		time.Since(h.since) < poolRoundInterval {
		w := r.waiters[0]
		r.waiters = slices.Delete(r.waiters, 0, 1)
		r.mu.Unlock()
		w.grant = grant{conn: h.conn, since: h.since}
		close(w.ready)
		return
	}
	r.mu.Unlock()
	h.conn.Release()
	r.giveUp()
}

// runQueued runs a request granted a connection behind another request's
// exchange: it writes its statements (stmts, whose last is the main
// statement without its arguments yet, prepared as descs say), waits for
// the exchange ahead to be read, then reads its own. stale reports a
// cached statement that went stale.
func (r *Runner) runQueued(
	ctx context.Context, h *hold, g grant, env *Env, stmts []stmt,
	descs []*pgconn.StatementDescription, sql string, args []any,
) (_ *Result, stale bool, _ error) {
	// The exchange ahead is on its way and nothing else uses the
	// connection's type map until it is read.
	pc := h.conn.Conn().PgConn()
	main, encErr := mainStatement(h.conn.Conn().TypeMap(), sql, args)
	var writeErr error
	if encErr == nil {
		stmts[len(stmts)-1] = main
		var msg []byte
		if msg, writeErr = encodeQueued(stmts, descs); writeErr == nil {
			if len(msg) > maxQueuedWrite {
				// Written ahead, its results (the settings statement
				// echoes its values) could fill the socket while the
				// write still blocks: wait and run it as usual.
				<-g.behind
				return nil, false, errNotQueued
			}
			_, writeErr = pc.Conn().Write(msg)
		}
	}
	<-g.behind
	switch {
	case encErr != nil:
		return nil, false, internalError(encErr)
	case writeErr != nil:
		// Whether the server read part of the exchange is unknown, so the
		// connection cannot be trusted; the pool drops it once closed.
		closeCtx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_ = pc.Close(closeCtx)
		return nil, false, FromPgError(writeErr, env.Anonymous)
	}
	// Its exchange keeps the connection busy from now on.
	h.offer(g.cost, time.Now())
	res, err := readQueued(ctx, pc, len(stmts)-1)
	h.pass()
	if err != nil {
		if staleStatement(err) {
			if cache := statements(pc, r.StatementCacheSize); cache != nil {
				cache.reset()
			}
			return nil, true, err
		}
		return nil, false, classify(ctx, h.closed(), err, env.Anonymous)
	}
	return res, false, nil
}

// encodeQueued writes the messages of a queued exchange: Bind and
// Execute for each prepared statement, then Sync.
func encodeQueued(stmts []stmt, descs []*pgconn.StatementDescription) ([]byte, error) {
	size := 64
	for i, s := range stmts {
		size += 32 + len(descs[i].Name)
		for _, p := range s.params {
			size += 4 + len(p)
		}
	}
	buf := make([]byte, 0, size)
	var err error
	for i, s := range stmts {
		bind := pgproto3.Bind{PreparedStatement: descs[i].Name, ParameterFormatCodes: s.formats, Parameters: s.params}
		if buf, err = bind.Encode(buf); err != nil {
			return nil, err
		}
		if buf, err = (&pgproto3.Execute{}).Encode(buf); err != nil {
			return nil, err
		}
	}
	return (&pgproto3.Sync{}).Encode(buf)
}

// readQueued reads a queued exchange's results up to its ReadyForQuery
// and returns the main statement's row (the statement at index main). The
// first server error wins, as in an exchange read through pgx.
func readQueued(ctx context.Context, pc *pgconn.PgConn, main int) (*Result, error) {
	var (
		res            *Result
		first, scanErr error
		i              int
	)
	for {
		msg, err := pc.ReceiveMessage(ctx)
		if err != nil {
			// What is left of the exchange is unread: nobody else may
			// use the connection. ReceiveMessage leaves it open after a
			// timeout or a context already done.
			if !pc.IsClosed() {
				closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
				_ = pc.Close(closeCtx)
				cancel()
			}
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			if i == main && res == nil && scanErr == nil {
				res, scanErr = scanRow(m.Values)
			}
		case *pgproto3.CommandComplete, *pgproto3.EmptyQueryResponse:
			i++
		case *pgproto3.ErrorResponse:
			if first == nil {
				first = pgconn.ErrorResponseToPgError(m)
			}
		case *pgproto3.ReadyForQuery:
			switch {
			case first != nil:
				return nil, first
			case scanErr != nil:
				return nil, internalError(scanErr)
			case res == nil:
				return nil, internalError(errors.New("rls: main statement returned no row"))
			}
			return res, nil
		}
	}
}
