package rls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Runner runs requests on a connection pool, each as one transaction under
// the request's identity.
//
// # One round trip
//
// Run writes the settings statement and the main statement as one batch of
// extended-protocol messages (Parse, Bind, Describe, Execute for each, on
// the unnamed statement) followed by a single Sync, without BEGIN or
// COMMIT. PostgreSQL runs everything up to a Sync as one implicit
// transaction: the set_config(..., true) values last until the Sync, and an
// error anywhere rolls everything back and leaves the connection idle and
// clean for the next request.
//
// Run drives the connection below pgx's statement cache on purpose. In
// pgx's caching exec modes a batch first prepares unseen statements in a
// separate exchange, so the main statement would be parsed as the login
// role before the role switch; a NOINHERIT authenticator lacks USAGE on the
// exposed schemas and parsing fails. Here every statement is parsed inside
// the transaction, after the settings, whatever exec mode the pool uses.
// Arguments are encoded as in [pgx.QueryExecModeExec]: text format, with
// types inferred by the server, so cast a parameter ($1::int) where the
// statement does not fix its type. Statements are planned on every request;
// pgx query tracers do not see them.
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
}

// NewRunner returns a Runner on pool. The pool's login role should be an
// authenticator that may switch to the request roles; see [CheckLogin].
func NewRunner(pool *pgxpool.Pool) *Runner {
	return &Runner{pool: pool}
}

// rollbackSQL ends an Env.Rollback request: its cast fails when the
// statement runs, which aborts the implicit transaction after the main
// statement's result has been sent.
const (
	rollbackSQL    = "SELECT $1::pg_catalog.text::pg_catalog.int4"
	rollbackMarker = "rowgate: rollback requested"
)

// errNoResult means the server sent fewer results than statements; the
// reason is the error the batch ends with.
var errNoResult = errors.New("rls: missing statement result")

// Run executes sql with args as the main statement of a transaction that
// runs as env describes, and returns its single row. Every error is an
// *[Error] ready for the client.
func (r *Runner) Run(ctx context.Context, env *Env, sql string, args []any) (*Result, error) {
	if env == nil || env.Role == "" {
		return nil, internalError(errors.New("rls: request has no role"))
	}
	conn, err := r.acquire(ctx)
	if err != nil {
		return nil, FromPgError(err, env.Anonymous)
	}
	defer conn.Release()

	var res *Result
	if env.Check != nil {
		res, err = r.runChecked(ctx, conn.Conn(), env, sql, args)
	} else {
		res, err = r.runImplicit(ctx, conn.Conn(), env, sql, args)
	}
	if err != nil {
		return nil, classify(ctx, conn.Conn(), err, env.Anonymous)
	}
	return res, nil
}

func (r *Runner) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	if r.AcquireTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.AcquireTimeout)
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
	ctx context.Context, conn *pgx.Conn, env *Env, sql string, args []any,
) (*Result, error) {
	b, before, err := r.batch(conn, env, false, sql, args)
	if err != nil {
		return nil, internalError(err)
	}
	if env.Rollback {
		b.ExecParams(rollbackSQL, [][]byte{[]byte(rollbackMarker)}, nil, nil, nil)
	}
	mrr := conn.PgConn().ExecBatch(ctx, b)

	res, err := readMain(mrr, before)
	if err == nil && env.Rollback {
		err = readRollback(mrr)
	}
	// The commit happens at the Sync; a deferred constraint that fails
	// there surfaces only here.
	closeErr := mrr.Close()
	if env.Rollback && isRollbackMarker(closeErr) {
		closeErr = nil
	}
	if err == nil || errors.Is(err, errNoResult) && closeErr != nil {
		err = closeErr
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// readRollback reads the result of rollbackSQL, which must be its error.
func readRollback(mrr *pgconn.MultiResultReader) error {
	if !mrr.NextResult() {
		if err := mrr.Close(); !isRollbackMarker(err) {
			return errNoResult
		}
		return nil
	}
	_, err := mrr.ResultReader().Close()
	switch {
	case isRollbackMarker(err):
		return nil
	case err == nil:
		return errors.New("rls: rollback statement did not fail")
	}
	return err
}

// runChecked is the two-round-trip shape for Env.Check: BEGIN, settings,
// [pre-request], main statement in one batch, then COMMIT or ROLLBACK.
func (r *Runner) runChecked(
	ctx context.Context, conn *pgx.Conn, env *Env, sql string, args []any,
) (*Result, error) {
	b, before, err := r.batch(conn, env, true, sql, args)
	if err != nil {
		return nil, internalError(err)
	}
	mrr := conn.PgConn().ExecBatch(ctx, b)
	res, err := readMain(mrr, before)
	closeErr := mrr.Close()
	if err == nil || errors.Is(err, errNoResult) && closeErr != nil {
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

// batch queues [BEGIN], the settings, [the pre-request call] and the main
// statement, and says how many statements precede the main one.
func (r *Runner) batch(
	conn *pgx.Conn, env *Env, begin bool, sql string, args []any,
) (*pgconn.Batch, int, error) {
	b := &pgconn.Batch{}
	before := 0
	if begin {
		b.ExecParams("BEGIN", nil, nil, nil, nil)
		before++
	}
	q, vals := settings(env)
	b.ExecParams(q, vals, nil, nil, nil)
	before++
	if r.PreRequest != "" {
		b.ExecParams("SELECT "+qualifiedName(r.PreRequest)+"()", nil, nil, nil, nil)
		before++
	}

	// A nil description selects exec mode: text format, server-side types.
	var eqb pgx.ExtendedQueryBuilder
	if err := eqb.Build(conn.TypeMap(), nil, args); err != nil {
		return nil, 0, fmt.Errorf("encode arguments: %w", err)
	}
	b.ExecParams(sql, eqb.ParamValues, nil, eqb.ParamFormats, nil)
	return b, before, nil
}

// readMain skips the results of the statements before the main one and
// reads the main statement's row.
func readMain(mrr *pgconn.MultiResultReader, before int) (*Result, error) {
	for range before {
		if !mrr.NextResult() {
			return nil, errNoResult
		}
		if _, err := mrr.ResultReader().Close(); err != nil {
			return nil, err
		}
	}
	if !mrr.NextResult() {
		return nil, errNoResult
	}
	rr := mrr.ResultReader()
	res, scanErr := scanResult(rr)
	// A server error (raised while the rows were produced) wins over a
	// complaint about their shape.
	if _, err := rr.Close(); err != nil {
		return nil, err
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
	v := rr.Values()
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
func classify(ctx context.Context, conn *pgx.Conn, err error, anonymous bool) *Error {
	if _, ok := errors.AsType[*Error](err); ok {
		return FromPgError(err, anonymous)
	}
	if _, ok := errors.AsType[*pgconn.PgError](err); ok {
		return FromPgError(err, anonymous)
	}
	if ctx.Err() == nil && !conn.IsClosed() {
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
