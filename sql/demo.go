package pgsql

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The demo users. Their notes and profiles are seeded by [LoadDemo]; a
// token whose sub claim is one of these uuids acts as that user.
const (
	DemoUserA     = "a11ce000-0000-4000-8000-00000000000a"
	DemoUserAName = "alice"
	DemoUserB     = "b0b00000-0000-4000-8000-00000000000b"
	DemoUserBName = "bob"
)

// LoadDemo creates the demo tables public.profiles and public.notes with
// their policies, grants and seed rows, granting reads to the anonymous role
// [DefaultAnonRole]. Run [Setup] first: the tables use auth.uid(). LoadDemo
// drops and recreates the demo tables, so running it again resets them.
func LoadDemo(ctx context.Context, conn *pgx.Conn) error {
	return LoadDemoFor(ctx, conn, DefaultAnonRole)
}

// LoadDemoFor is [LoadDemo] for an anonymous role with another name.
func LoadDemoFor(ctx context.Context, conn *pgx.Conn, anonRole string) error {
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		const q = "SELECT pg_catalog.set_config('rowgate.anon_role', $1, true)"
		if _, err := tx.Exec(ctx, q, anonRole); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, demoSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("load demo schema: %w", err)
	}
	return nil
}
