package pgsql

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/jackc/pgx/v5"
)

//go:embed neon_auth.sql
var neonAuthSQL string

// setupNeonAuth installs the neon_auth schema of the built-in auth service
// and grants its tables to the login role. Existing tables are kept.
func setupNeonAuth(ctx context.Context, conn *pgx.Conn, rep *Report, authenticator string) error {
	var exists bool
	const q = "SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'neon_auth')"
	if err := conn.QueryRow(ctx, q).Scan(&exists); err != nil {
		return fmt.Errorf("look up schema neon_auth: %w", err)
	}
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		const set = "SELECT pg_catalog.set_config('rowgate.authenticator', $1, true)"
		if _, err := tx.Exec(ctx, set, authenticator); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, neonAuthSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("install schema neon_auth: %w", err)
	}
	if exists {
		rep.addf("schema neon_auth exists")
	} else {
		rep.addf("created schema neon_auth")
	}
	rep.addf("granted the neon_auth tables (user, account, session, verification, jwks) to %s",
		authenticator)
	return nil
}
