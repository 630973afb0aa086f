package rls

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// sharedDeadline hands out contexts that expire between d and d + d/8
// from the time they are asked for. Requests asking within the same
// eighth of d share one, so bounding the wait for a pooled connection
// costs no timer per request.
type sharedDeadline struct {
	cur atomic.Pointer[deadlineCtx]
	mu  sync.Mutex
}

type deadlineCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
	at     time.Time
}

// get returns a context whose deadline is at least d from now and at most
// d + d/8.
func (s *sharedDeadline) get(d time.Duration) context.Context {
	now := time.Now()
	if c := s.cur.Load(); c != nil && c.at.Sub(now) >= d && c.at.Sub(now) <= d+d/8 {
		return c.ctx
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cur.Load(); c != nil && c.at.Sub(now) >= d && c.at.Sub(now) <= d+d/8 {
		return c.ctx
	}
	at := now.Add(d + d/8)
	ctx, cancel := context.WithDeadline(context.Background(), at)
	// The previous context is left to expire on its own: requests may
	// still be waiting under it.
	s.cur.Store(&deadlineCtx{ctx: ctx, cancel: cancel, at: at})
	return ctx
}
