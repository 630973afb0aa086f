package rls_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate/rls"
)

func TestCheckLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	super := e.db.Pool(t, "", 1, nil)
	auth := e.pool(t, 1, pgx.QueryExecModeCacheStatement)

	// A BYPASSRLS role of this test only.
	bypass := e.db.Name + "_bypass"
	id := pgx.Identifier{bypass}.Sanitize()
	if _, err := e.admin.Exec(ctx, "CREATE ROLE "+id+" LOGIN BYPASSRLS"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = e.admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+id) })
	bypassPool := e.db.Pool(t, bypass, 1, nil)

	tests := []struct {
		name    string
		pool    *pgxpool.Pool
		allow   bool
		wantErr string
	}{
		{"authenticator", auth, false, ""},
		{"superuser refused", super, false, "is a superuser"},
		{"superuser allowed", super, true, ""},
		{"bypassrls refused", bypassPool, false, "has BYPASSRLS"},
		{"bypassrls allowed", bypassPool, true, ""},
	}
	for _, tt := range tests {
		err := rls.CheckLogin(ctx, tt.pool, tt.allow)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) ||
			!errors.Is(err, rls.ErrPrivilegedLogin)):
			t.Errorf("%s: got %v, want error containing %q", tt.name, err, tt.wantErr)
		}
	}
}
