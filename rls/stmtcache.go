package rls

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultStatementCacheSize is the number of prepared statements
// [NewRunner] keeps per connection.
const DefaultStatementCacheSize = 256

// stmtCacheKey is where a connection's statement cache lives in
// [pgconn.PgConn.CustomData].
const stmtCacheKey = "rowgate.rls.statements"

// stmtCache is one connection's prepared statements. It lives as long as
// the connection: a new connection starts empty. The request reading its
// results from the connection and one request queued behind it (see
// [Runner.PipelineWindow]) may use it at the same time, hence the lock.
type stmtCache struct {
	mu      sync.Mutex
	size    int
	entries map[stmtKey]*stmtEntry
	// clock orders uses for eviction of the least recently used entry.
	clock uint64
	// seq numbers the statements of this connection; names are never
	// reused, so a statement the server still holds cannot be mistaken
	// for another.
	seq uint64
	// closing lists names to deallocate at the start of the next exchange.
	closing []string
}

// stmtKey identifies a prepared statement: its text, and the role and
// search_path it was planned under. A statement is never shared between
// roles, because PostgreSQL decides some things about a plan with the
// planning role's rights and keeps them in a cached generic plan: it
// inlines a SQL function only when that role may execute it, and an
// inlined function's EXECUTE privilege is not checked again, so a plan
// cached for a role that may call the function would let any other role
// run its body.
type stmtKey struct {
	role, searchPath, sql string
}

type stmtEntry struct {
	desc *pgconn.StatementDescription
	used uint64
	// cost is how long exchanges whose main statement this is keep the
	// connection busy, from the moment the server may start on them (sent,
	// or the exchange ahead read) to their last result: a moving average
	// in nanoseconds, 0 until measured.
	cost atomic.Int64
}

// statements returns pc's statement cache, creating it on first use, or
// nil when size is 0 (prepared statements off).
func statements(pc *pgconn.PgConn, size int) *stmtCache {
	if size <= 0 {
		return nil
	}
	data := pc.CustomData()
	if c, ok := data[stmtCacheKey].(*stmtCache); ok {
		if c.size != size {
			c.mu.Lock()
			c.size = size
			c.mu.Unlock()
		}
		return c
	}
	c := &stmtCache{size: size, entries: map[stmtKey]*stmtEntry{}}
	data[stmtCacheKey] = c
	return c
}

// get returns the prepared statement for k, or nil.
func (c *stmtCache) get(k stmtKey) *pgconn.StatementDescription {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil
	}
	c.clock++
	e.used = c.clock
	return e.desc
}

// newName returns an unused statement name.
func (c *stmtCache) newName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	return "rowgate_" + strconv.FormatUint(c.seq, 10)
}

// takeClosing returns the names waiting to be deallocated and forgets
// them: the caller sends their deallocation.
func (c *stmtCache) takeClosing() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := c.closing
	c.closing = nil
	return names
}

// prepared returns the prepared statements of keys, in order, when every
// one of them is prepared and no deallocation is waiting to be sent, and
// the cost of exchanges whose main statement is the last one; it returns
// nil when not.
func (c *stmtCache) prepared(keys []stmtKey, descs []*pgconn.StatementDescription) *atomic.Int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.closing) > 0 {
		return nil
	}
	var e *stmtEntry
	for i, k := range keys {
		var ok bool
		if e, ok = c.entries[k]; !ok {
			return nil
		}
		c.clock++
		e.used = c.clock
		descs[i] = e.desc
	}
	if e == nil {
		return nil
	}
	return &e.cost
}

// add records that desc is prepared on the server for k, evicting the
// least recently used statement when the cache is full.
func (c *stmtCache) add(k stmtKey, desc *pgconn.StatementDescription) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		c.closing = append(c.closing, old.desc.Name)
		delete(c.entries, k)
	}
	for len(c.entries) >= c.size {
		var victim *stmtKey
		var oldest uint64
		for k, e := range c.entries {
			if victim == nil || e.used < oldest {
				victim, oldest = &k, e.used
			}
		}
		c.closing = append(c.closing, c.entries[*victim].desc.Name)
		delete(c.entries, *victim)
	}
	c.clock++
	c.entries[k] = &stmtEntry{desc: desc, used: c.clock}
}

// reset drops every statement.
func (c *stmtCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		c.closing = append(c.closing, e.desc.Name)
		delete(c.entries, k)
	}
}

// staleStatement reports whether err means a cached statement can no
// longer be used as it is: the server replanned it and its result columns
// changed (0A000), or the server no longer knows it (26000, after DISCARD
// or DEALLOCATE). Nothing ran to completion, so the request can be retried
// with a fresh statement.
func staleStatement(err error) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	if !ok {
		return false
	}
	switch pgErr.Code {
	case "26000":
		return true
	case "0A000":
		return strings.Contains(pgErr.Message, "cached plan must not change result type")
	}
	return false
}
