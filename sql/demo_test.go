package pgsql_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	pgsql "github.com/rowgate/rowgate/sql"
)

// asUser runs fn in a transaction that acts as role with the given sub
// claim, the way rowgate does, and rolls it back.
func asUser(t *testing.T, conn *pgx.Conn, role, sub string, fn func(pgx.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	claims := `{"role":"` + role + `","sub":"` + sub + `"}`
	const q = "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)"
	if _, err := tx.Exec(ctx, q, role, claims); err != nil {
		t.Fatal(err)
	}
	return fn(tx)
}

func TestLoadDemo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn := setup(t)

	// Loading twice resets the tables instead of failing.
	for range 2 {
		if err := pgsql.LoadDemo(ctx, conn); err != nil {
			t.Fatalf("LoadDemo: %v", err)
		}
	}

	tests := []struct {
		role, sub string
		visible   int
	}{
		{"anon", "", 2},
		{"authenticated", pgsql.DemoUserA, 4},
		{"authenticated", pgsql.DemoUserB, 3},
		{"authenticated", "not-a-uuid", 2},
	}
	for _, tt := range tests {
		var n int
		err := asUser(t, conn, tt.role, tt.sub, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM public.notes").Scan(&n)
		})
		if err != nil || n != tt.visible {
			t.Errorf("%s %q sees %d notes (err %v), want %d", tt.role, tt.sub, n, err, tt.visible)
		}
	}

	// A user writes their own notes but not someone else's.
	err := asUser(t, conn, "authenticated", pgsql.DemoUserA, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO public.notes (title) VALUES ('mine')")
		return err
	})
	if err != nil {
		t.Errorf("insert own note: %v", err)
	}
	err = asUser(t, conn, "authenticated", pgsql.DemoUserA, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO public.notes (owner, title) VALUES ($1, 'forged')",
			pgsql.DemoUserB)
		return err
	})
	if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("insert for another user: %v, want 42501", err)
	}
	var n int64
	err = asUser(t, conn, "authenticated", pgsql.DemoUserA, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM public.notes")
		n = tag.RowsAffected()
		return err
	})
	if err != nil || n != 3 {
		t.Errorf("delete all as alice removed %d rows (err %v), want 3", n, err)
	}
	err = asUser(t, conn, "anon", "", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM public.notes")
		return err
	})
	if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("anonymous delete: %v, want 42501", err)
	}
}
