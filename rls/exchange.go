package rls

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
)

// stmt is one statement of an exchange with its text-format parameters.
type stmt struct {
	sql     string
	params  [][]byte
	formats []int16
}

// sentStmt says how a statement went out: prepare names a statement
// parsed in this exchange; otherwise it was cached or sent unnamed.
type sentStmt struct {
	prepare string
	key     stmtKey
}

// exchange is one round trip: the statements of a request written as
// extended-protocol messages behind one another and a single Sync, then
// their results read in order.
//
// With a statement cache, a statement seen before on the connection is
// bound to its prepared name (no Parse, no Describe), and a new one is
// parsed under a fresh name in its place in the pipeline, after the
// statements before it have run: the main statement is parsed after the
// settings statement, as the request's role with the request's
// search_path. PostgreSQL checks privileges when a statement executes and
// re-applies Row-Level Security when a cached plan runs under another
// role, so a statement prepared for one user is safe for the next.
//
// When every statement is already prepared and nothing is to be
// deallocated, which is the steady state, the exchange goes out as a
// [pgconn.Batch] instead of a pipeline: the same messages, with less
// bookkeeping on the client.
type exchange struct {
	p     *pgconn.Pipeline
	mrr   *pgconn.MultiResultReader
	cache *stmtCache
	sent  []sentStmt
	next  int
	// closes counts the deallocations sent first, whose results come first.
	closes int
	// firstErr is the first server error read from the exchange.
	firstErr error
	// cost is the main statement's exchange cost, when it was prepared.
	cost *atomic.Int64
}

// send writes stmts and a Sync to pc in one write. role and searchPath are
// those the statements run under (see stmtKey).
func send(ctx context.Context, pc *pgconn.PgConn, cache *stmtCache, role, searchPath string, stmts []stmt) *exchange {
	if x := sendPrepared(ctx, pc, cache, role, searchPath, stmts); x != nil {
		return x
	}
	x := &exchange{p: pc.StartPipeline(ctx), cache: cache, sent: make([]sentStmt, len(stmts))}
	if cache != nil {
		// Deallocate evicted statements first, where no error can skip it.
		closing := cache.takeClosing()
		for _, name := range closing {
			x.p.SendDeallocate(name)
		}
		x.closes = len(closing)
	}
	for i, s := range stmts {
		if cache == nil {
			x.p.SendQueryParams(s.sql, s.params, nil, s.formats, nil)
			continue
		}
		k := stmtKey{role: role, searchPath: searchPath, sql: s.sql}
		if desc := cache.get(k); desc != nil {
			x.p.SendQueryStatement(desc, s.params, s.formats, nil)
			continue
		}
		name := cache.newName()
		x.p.SendPrepare(name, s.sql, nil)
		x.p.SendQueryPrepared(name, s.params, s.formats, nil)
		x.sent[i] = sentStmt{prepare: name, key: k}
	}
	// A failed write closes the pipeline; the reads below report it.
	_ = x.p.Sync()
	return x
}

// sendPrepared sends stmts as a batch when all of them are prepared and no
// statement waits to be deallocated, and returns nil otherwise.
func sendPrepared(ctx context.Context, pc *pgconn.PgConn, cache *stmtCache, role, searchPath string, stmts []stmt) *exchange {
	if cache == nil {
		return nil
	}
	var descs [8]*pgconn.StatementDescription
	if len(stmts) > len(descs) {
		return nil
	}
	var keys [8]stmtKey
	for i, s := range stmts {
		keys[i] = stmtKey{role: role, searchPath: searchPath, sql: s.sql}
	}
	cost := cache.prepared(keys[:len(stmts)], descs[:len(stmts)])
	if cost == nil {
		return nil
	}
	b := &pgconn.Batch{}
	for i, s := range stmts {
		b.ExecStatement(descs[i], s.params, s.formats, nil)
	}
	return &exchange{mrr: pc.ExecBatch(ctx, b), cache: cache, sent: make([]sentStmt, len(stmts)), cost: cost}
}

// result returns the next statement's result. The caller closes it before
// asking for the next one. After an error the server skips the rest of
// the exchange: the caller stops reading and calls finish.
func (x *exchange) result() (*pgconn.ResultReader, error) {
	for ; x.closes > 0; x.closes-- {
		if _, err := x.p.GetResults(); err != nil {
			return nil, x.fail(err)
		}
	}
	if x.next >= len(x.sent) {
		return nil, errNoResult
	}
	s := x.sent[x.next]
	x.next++
	if x.mrr != nil {
		if !x.mrr.NextResult() {
			// The server skipped the rest after an error; Close has it.
			err := x.mrr.Close()
			if err == nil {
				err = errNoResult
			}
			return nil, x.fail(err)
		}
		return x.mrr.ResultReader(), nil
	}
	if s.prepare != "" {
		res, err := x.p.GetResults()
		if err != nil {
			return nil, x.fail(err)
		}
		desc, ok := res.(*pgconn.StatementDescription)
		if !ok {
			return nil, x.fail(fmt.Errorf("rls: prepare returned %T", res))
		}
		// The server now holds the statement under this name.
		desc.Name, desc.SQL = s.prepare, s.key.sql
		x.cache.add(s.key, desc)
	}
	res, err := x.p.GetResults()
	if err != nil {
		return nil, x.fail(err)
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return nil, x.fail(errNoResult)
	}
	return rr, nil
}

func (x *exchange) fail(err error) error {
	if x.firstErr == nil {
		x.firstErr = err
	}
	return err
}

// finish reads what is left up to the Sync and leaves the connection
// ready for the next exchange. It returns an error the server sent after
// the results read so far, such as a deferred constraint failing at the
// commit that the Sync makes.
func (x *exchange) finish() error {
	if x.mrr != nil {
		// Close reads up to the Sync and returns the batch's error, which
		// result has already reported when it came before the Sync.
		if err := x.mrr.Close(); err != nil && x.firstErr == nil {
			return err
		}
		return nil
	}
	var late error
	for {
		res, err := x.p.GetResults()
		if err != nil {
			if _, ok := errors.AsType[*pgconn.PgError](err); !ok {
				// The connection is broken; Close reports it.
				break
			}
			if late == nil && x.firstErr == nil {
				late = err
			}
			continue
		}
		if _, ok := res.(*pgconn.PipelineSync); ok || res == nil {
			break
		}
		if rr, ok := res.(*pgconn.ResultReader); ok {
			if _, err := rr.Close(); err != nil && late == nil && x.firstErr == nil {
				late = err
			}
		}
	}
	if err := x.p.Close(); err != nil && late == nil {
		if _, ok := errors.AsType[*pgconn.PgError](err); !ok {
			late = err
		}
	}
	return late
}
