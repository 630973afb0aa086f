package rls_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestPgxBatchParsesAsLoginRole records why Runner does not use pgx.Batch:
// in pgx's default exec mode a batch prepares unseen statements in an
// exchange of its own, before the settings run, so the main statement is
// parsed as the NOINHERIT login role, which may not even look into the
// exposed schema. If this test starts failing, pgx changed and Runner could
// go back to pgx.Batch.
func TestPgxBatchParsesAsLoginRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for _, tt := range []struct {
		mode    pgx.QueryExecMode
		wantErr bool
	}{
		{pgx.QueryExecModeCacheStatement, true},
		{pgx.QueryExecModeExec, false},
	} {
		pool := e.pool(t, 1, tt.mode)
		b := &pgx.Batch{}
		b.Queue("SELECT set_config('role', $1, true)", "authenticated")
		b.Queue("SELECT count(*) FROM api.items")
		err := pool.SendBatch(ctx, b).Close()
		pgErr, isPg := errors.AsType[*pgconn.PgError](err)
		switch {
		case tt.wantErr && (!isPg || pgErr.Code != "42501"):
			t.Errorf("%v: got %v, want permission denied for schema api", tt.mode, err)
		case !tt.wantErr && err != nil:
			t.Errorf("%v: %v", tt.mode, err)
		}
	}
}
