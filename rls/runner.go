package rls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Runner runs requests on a connection pool, each as one transaction under
// the request's identity.
//
// # One round trip
//
// Run writes the settings statement and the main statement as one
// pipeline of extended-protocol messages (Bind, Execute for each, preceded
// by Parse for a statement the connection has not prepared yet) followed
// by a single Sync, without BEGIN or COMMIT. PostgreSQL runs everything up
// to a Sync as one implicit transaction: the set_config(..., true) values
// last until the Sync, and an error anywhere rolls everything back and
// leaves the connection idle and clean for the next request.
//
// Run drives the connection below pgx's statement cache on purpose. In
// pgx's caching exec modes a batch first prepares unseen statements in a
// separate exchange, so the main statement would be parsed as the login
// role before the role switch; a NOINHERIT authenticator lacks USAGE on the
// exposed schemas and parsing fails. Here every statement is parsed inside
// the transaction, after the settings, whatever exec mode the pool uses.
// Arguments are encoded as in [pgx.QueryExecModeExec]: text format, with
// types inferred by the server, so cast a parameter ($1::int) where the
// statement does not fix its type. pgx query tracers do not see the
// statements.
//
// # Prepared statements
//
// Each connection keeps up to StatementCacheSize named prepared statements,
// keyed by SQL text, so a statement seen before is neither parsed nor
// planned again (PostgreSQL may settle on a generic plan). The Parse of a
// new statement travels in the same pipeline, after the settings, so it
// is analysed as the request's role with the request's search_path.
// PostgreSQL checks privileges at every execution and replans a cached
// statement whose Row-Level Security policies depend on the role when the
// role differs, and the identity lives only in transaction-local
// settings, so sharing a statement between users leaks nothing. When a
// cached statement has gone stale (its result columns changed after DDL,
// or the server no longer has it) the request is retried once with a
// fresh statement; nothing of the failed attempt was committed.
//
// Because the commit happens at the Sync, before Go sees the result, a rule
// that needs the result to decide whether to commit uses [Env.Check], which
// switches to BEGIN ... COMMIT in two round trips.
type Runner struct {
	pool *pgxpool.Pool

	// AcquireTimeout bounds the wait for a pooled connection; when it
	// expires Run answers 504 PGRST003. Zero waits as long as the request's
	// context allows.
	AcquireTimeout time.Duration

	// PreRequest is the function to call after the settings and before the
	// main statement (PostgREST's db-pre-request), written schema.name or
	// name, unquoted; a name is split at its first dot. Empty calls none.
	PreRequest string

	// StatementCacheSize is the number of prepared statements kept per
	// connection, least recently used first out. Zero sends every
	// statement unnamed, parsed and planned on each request, as a pooler in
	// transaction mode such as PgBouncer needs (PostgREST's
	// db-prepared-statements = false).
	StatementCacheSize int

	// AppSettings are set as transaction-local settings on every request, keyed by full
	// name such as "app.settings.jwt_exp" (PostgREST's app.settings.*). Nil sets none.
	AppSettings map[string]string

	// PipelineWindow lets a request that finds every pooled connection in
	// use queue its statements on a connection behind an exchange whose
	// statement usually takes less than this, from the moment it is sent
	// to its last result, instead of waiting for a connection to come
	// back (see pipeline.go). Zero turns queueing off.
	PipelineWindow time.Duration

	// maxConns is the pool's size. mu guards held, the connections the
	// runner's requests hold or are acquiring, lanes, the exchanges a
	// request may queue behind, and waiters, the requests waiting for a
	// connection (see pipeline.go).
	maxConns int32
	mu       sync.Mutex
	held     int32
	lanes    []*lane
	waiters  []*waiter

	queueStats queueStats
}

// DefaultPipelineWindow is [NewRunner]'s PipelineWindow.
const DefaultPipelineWindow = time.Millisecond

// NewRunner returns a Runner on pool. The pool's login role should be an
// authenticator that may switch to the request roles; see [CheckLogin].
func NewRunner(pool *pgxpool.Pool) *Runner {
	return &Runner{
		pool:               pool,
		StatementCacheSize: DefaultStatementCacheSize,
		PipelineWindow:     DefaultPipelineWindow,
		maxConns:           pool.Config().MaxConns,
	}
}

// rollbackSQL ends an Env.Rollback request: its cast fails when the
// statement runs, which aborts the implicit transaction after the main
// statement's result has been sent.
const (
	rollbackSQL    = "SELECT $1::pg_catalog.text::pg_catalog.int4"
	rollbackMarker = "rowgate: rollback requested"
)

// errNoResult means the server sent fewer results than statements.
var errNoResult = errors.New("rls: missing statement result")

// Run executes sql with args as the main statement of a transaction that
// runs as env describes, and returns its single row. Every error is an
// *[Error] ready for the client.
func (r *Runner) Run(ctx context.Context, env *Env, sql string, args []any) (*Result, error) {
	if env == nil || env.Role == "" {
		return nil, internalError(errors.New("rls: request has no role"))
	}
	res, stale, err := r.attempt(ctx, env, sql, args, false)
	if stale {
		// Nothing ran to completion; prepare everything afresh.
		res, _, err = r.attempt(ctx, env, sql, args, true)
	}
	return res, err
}

// attempt runs the request once, on a connection of its own or queued
// behind another request (see [Runner.PipelineWindow]). stale reports a
// cached statement that went stale, after which the request may be run
// again; fresh drops the statements of the connection it runs on first.
func (r *Runner) attempt(ctx context.Context, env *Env, sql string, args []any, fresh bool) (_ *Result, stale bool, _ error) {
	// A request that may queue behind another one says which statements
	// it runs; the main statement's arguments are encoded once it knows
	// its connection.
	var (
		queued  []stmt
		keys    []stmtKey
		descs   []*pgconn.StatementDescription
		keyBuf  [8]stmtKey
		descBuf [8]*pgconn.StatementDescription
	)
	_, hasDeadline := ctx.Deadline()
	if r.queueing() && !fresh && env.Check == nil && !env.Rollback && !hasDeadline {
		searchPath := SearchPath(env.SearchPath)
		queued = append(r.leading(env, searchPath, false), stmt{sql: sql})
		if len(queued) <= len(keyBuf) {
			keys, descs = keyBuf[:len(queued)], descBuf[:len(queued)]
			for i, s := range queued {
				keys[i] = stmtKey{role: env.Role, searchPath: searchPath, sql: s.sql}
			}
		}
	}
	g, err := r.obtain(ctx, keys, descs)
	if err != nil {
		return nil, false, FromPgError(err, env.Anonymous)
	}
	h := &hold{r: r, conn: g.conn, since: g.since}
	defer h.release()

	// Once the statements are on their way, the exchange runs to its end
	// even when the client goes away (its request context is cancelled):
	// pgx aborts a cancelled exchange by closing the connection, and
	// opening a new one costs far more than finishing a short
	// transaction. A deadline on ctx still bounds it, and so does the
	// role's statement_timeout.
	ctx, cancel := detach(ctx)
	defer cancel()
	if g.behind != nil {
		res, stale, err := r.runQueued(ctx, h, g, env, queued, descs, sql, args)
		if !errors.Is(err, errNotQueued) {
			return res, stale, err
		}
	}
	// Taken while the request owns the connection: once a request queued
	// behind takes it over, it may release it at any time.
	cache := statements(g.conn.Conn().PgConn(), r.StatementCacheSize)
	if fresh && cache != nil {
		cache.reset()
	}
	res, err := r.runOnce(ctx, h, env, sql, args)
	if err != nil && staleStatement(err) && ctx.Err() == nil && !h.closed() && cache != nil {
		cache.reset()
		if h.passed {
			// A request queued behind holds the connection now.
			return nil, true, err
		}
		res, err = r.runOnce(ctx, h, env, sql, args)
	}
	if err != nil {
		return nil, false, classify(ctx, h.closed(), err, env.Anonymous)
	}
	return res, false, nil
}

// detach returns a context that keeps ctx's values and deadline but is not
// cancelled with it.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, deadline)
	}
	return d, func() {}
}

func (r *Runner) runOnce(ctx context.Context, h *hold, env *Env, sql string, args []any) (*Result, error) {
	if env.Check != nil {
		return r.runChecked(ctx, h.conn.Conn(), env, sql, args)
	}
	return r.runImplicit(ctx, h, env, sql, args)
}

func (r *Runner) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	return r.acquireWithin(ctx, r.AcquireTimeout)
}

// acquireWithin acquires a pooled connection, waiting at most timeout
// (zero: as long as ctx allows).
func (r *Runner) acquireWithin(ctx context.Context, timeout time.Duration) (*pgxpool.Conn, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	conn, err := r.pool.Acquire(ctx)
	if err != nil {
		return nil, &acquireError{err: err}
	}
	return conn, nil
}

// runImplicit is the one-round-trip shape: settings, [pre-request], main
// statement, [failing statement for Rollback], one Sync.
func (r *Runner) runImplicit(
	ctx context.Context, h *hold, env *Env, sql string, args []any,
) (*Result, error) {
	conn := h.conn.Conn()
	searchPath := SearchPath(env.SearchPath)
	stmts, before, err := r.statements(conn, env, searchPath, false, sql, args)
	if err != nil {
		return nil, internalError(err)
	}
	if env.Rollback {
		stmts = append(stmts, stmt{sql: rollbackSQL, params: [][]byte{[]byte(rollbackMarker)}})
	}
	x := r.send(ctx, conn, env.Role, searchPath, stmts)
	if _, hasDeadline := ctx.Deadline(); !env.Rollback && !hasDeadline {
		// A deadline on this exchange closes the connection under the
		// request queued behind, maybe after the server ran it.
		h.offer(x.cost, time.Now())
	}

	res, err := readMain(x, before)
	if err == nil && env.Rollback {
		err = readRollback(x)
	}
	// The commit happens at the Sync; a deferred constraint that fails
	// there surfaces only here.
	if closeErr := x.finish(); err == nil && !(env.Rollback && isRollbackMarker(closeErr)) {
		err = closeErr
	}
	h.pass()
	if err != nil {
		return nil, err
	}
	return res, nil
}

// send starts the exchange of stmts on conn, run as role with searchPath
// (SearchPath's rendering).
func (r *Runner) send(ctx context.Context, conn *pgx.Conn, role, searchPath string, stmts []stmt) *exchange {
	cache := statements(conn.PgConn(), r.StatementCacheSize)
	if cache == nil {
		searchPath = ""
	}
	return send(ctx, conn.PgConn(), cache, role, searchPath, stmts)
}

// readRollback reads the result of rollbackSQL, which must be its error.
func readRollback(x *exchange) error {
	rr, err := x.result()
	if err == nil {
		_, err = rr.Close()
	}
	switch {
	case isRollbackMarker(err):
		return nil
	case err == nil:
		return errors.New("rls: rollback statement did not fail")
	}
	return err
}

// runChecked is the two-round-trip shape for Env.Check: BEGIN, settings,
// [pre-request], main statement in one exchange, then COMMIT or ROLLBACK.
func (r *Runner) runChecked(
	ctx context.Context, conn *pgx.Conn, env *Env, sql string, args []any,
) (*Result, error) {
	searchPath := SearchPath(env.SearchPath)
	stmts, before, err := r.statements(conn, env, searchPath, true, sql, args)
	if err != nil {
		return nil, internalError(err)
	}
	x := r.send(ctx, conn, env.Role, searchPath, stmts)
	res, err := readMain(x, before)
	if closeErr := x.finish(); err == nil {
		err = closeErr
	}
	if err != nil {
		rollback(ctx, conn)
		return nil, err
	}

	checkErr := env.Check(res)
	end := "COMMIT"
	if checkErr != nil || env.Rollback {
		end = "ROLLBACK"
	}
	if _, err := conn.PgConn().Exec(ctx, end).ReadAll(); err != nil {
		rollback(ctx, conn)
		return nil, err
	}
	if checkErr != nil {
		return nil, checkErr
	}
	return res, nil
}

// rollback ends a transaction left open by a failure. When it cannot, the
// connection is not idle and the pool discards it on release.
func rollback(ctx context.Context, conn *pgx.Conn) {
	if conn.IsClosed() || conn.PgConn().TxStatus() == 'I' {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = conn.PgConn().Exec(ctx, "ROLLBACK").ReadAll()
}

// statements lists [BEGIN], the settings, [the pre-request call] and the
// main statement, and says how many statements precede the main one.
func (r *Runner) statements(
	conn *pgx.Conn, env *Env, searchPath string, begin bool, sql string, args []any,
) ([]stmt, int, error) {
	stmts := r.leading(env, searchPath, begin)
	main, err := mainStatement(conn.TypeMap(), sql, args)
	if err != nil {
		return nil, 0, err
	}
	return append(stmts, main), len(stmts), nil
}

// leading lists [BEGIN], the settings and [the pre-request call]: the
// statements before the main one.
func (r *Runner) leading(env *Env, searchPath string, begin bool) []stmt {
	stmts := make([]stmt, 0, 5)
	if begin {
		stmts = append(stmts, stmt{sql: "BEGIN"})
	}
	q, vals := r.withAppSettings(settings(env, searchPath))
	stmts = append(stmts, stmt{sql: q, params: vals})
	if r.PreRequest != "" {
		stmts = append(stmts, stmt{sql: "SELECT " + qualifiedName(r.PreRequest) + "()"})
	}
	return stmts
}

// mainStatement encodes args for sql with the connection's type map. A nil
// statement description selects exec mode: text format, server-side
// types.
func mainStatement(m *pgtype.Map, sql string, args []any) (stmt, error) {
	var eqb pgx.ExtendedQueryBuilder
	if err := eqb.Build(m, nil, args); err != nil {
		return stmt{}, fmt.Errorf("encode arguments: %w", err)
	}
	return stmt{sql: sql, params: eqb.ParamValues, formats: eqb.ParamFormats}, nil
}

// readMain skips the results of the statements before the main one and
// reads the main statement's row.
func readMain(x *exchange, before int) (*Result, error) {
	for range before {
		rr, err := x.result()
		if err != nil {
			return nil, err
		}
		if _, err := rr.Close(); err != nil {
			return nil, x.fail(err)
		}
	}
	rr, err := x.result()
	if err != nil {
		return nil, err
	}
	res, scanErr := scanResult(rr)
	// A server error (raised while the rows were produced) wins over a
	// complaint about their shape.
	if _, err := rr.Close(); err != nil {
		return nil, x.fail(err)
	}
	if scanErr != nil {
		return nil, internalError(scanErr)
	}
	return res, nil
}

// scanResult decodes the first row of the five-column contract, sent in
// text format.
func scanResult(rr *pgconn.ResultReader) (*Result, error) {
	if n := len(rr.FieldDescriptions()); n != 5 {
		return nil, fmt.Errorf("rls: main statement returned %d columns, want 5", n)
	}
	if !rr.NextRow() {
		return nil, errors.New("rls: main statement returned no row")
	}
	return scanRow(rr.Values())
}

// scanRow decodes a row of the five-column contract. It copies what it
// keeps: v belongs to the connection's read buffer.
func scanRow(v [][]byte) (*Result, error) {
	if len(v) != 5 {
		return nil, fmt.Errorf("rls: main statement returned %d columns, want 5", len(v))
	}
	res := &Result{Total: -1}
	var err error
	if v[0] != nil {
		if res.PageTotal, err = strconv.ParseInt(string(v[0]), 10, 64); err != nil {
			return nil, fmt.Errorf("rls: page_total: %w", err)
		}
	}
	if v[1] != nil {
		if res.Total, err = strconv.ParseInt(string(v[1]), 10, 64); err != nil {
			return nil, fmt.Errorf("rls: total_result_set: %w", err)
		}
	}
	if v[2] != nil {
		res.Body = bytes.Clone(v[2])
	}
	res.Headers = string(v[3])
	res.Status = string(v[4])
	return res, nil
}

// classify turns a failure of Run into an *Error. A failure that is neither
// from the server nor from the connection (the connection is still open and
// the context alive) is rowgate's own fault and answers 500.
func classify(ctx context.Context, closed bool, err error, anonymous bool) *Error {
	if _, ok := errors.AsType[*Error](err); ok {
		return FromPgError(err, anonymous)
	}
	if _, ok := errors.AsType[*pgconn.PgError](err); ok {
		return FromPgError(err, anonymous)
	}
	if ctx.Err() == nil && !closed {
		return internalError(fmt.Errorf("run statement: %w", err))
	}
	return FromPgError(err, anonymous)
}

func isRollbackMarker(err error) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	return ok && pgErr.Code == "22P02" && strings.Contains(pgErr.Message, rollbackMarker)
}

// qualifiedName quotes "schema.name" or "name" as SQL.
func qualifiedName(name string) string {
	if schema, fn, ok := strings.Cut(name, "."); ok {
		return QuoteIdent(schema) + "." + QuoteIdent(fn)
	}
	return QuoteIdent(name)
}
