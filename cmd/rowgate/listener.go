package main

import (
	"context"
	"sync"

	pgsql "github.com/rowgate/rowgate/sql"
)

// startListener starts the goroutine that reloads the schema cache on
// NOTIFY (db-channel), unless db-channel-enabled is off. The returned
// function stops it and waits for it to finish; call it before the pool
// closes. Reloads swap the catalog pointer, so requests never wait on them.
func (a *app) startListener(ctx context.Context) (stop func()) {
	if !a.cfg.DBChannelEnabled {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &pgsql.Listener{
		Config:  a.pool.Config().ConnConfig,
		Channel: a.cfg.DBChannel,
		Reload:  a.reload,
		Logger:  a.log,
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := l.Run(ctx); err != nil {
			a.log.Error("schema reload listener stopped", "error", err)
		}
	})
	return func() {
		cancel()
		wg.Wait()
	}
}
