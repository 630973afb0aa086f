package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	pgsql "github.com/rowgate/rowgate/sql"
)

//go:embed fixture.sql
var fixtureSQL string

// Fixture shape; fixture.sql must agree.
const (
	numUsers     = 1000
	itemsPerUser = 100
)

// database is the benchmark's own database on the server.
type database struct {
	name     string
	adminURI string // superuser
	apiURI   string // authenticator, as rowgate logs in
	baseURI  string
}

// createDatabase makes a fresh database, installs rowgate's roles and auth
// schema as `rowgate setup` does, and loads the fixture.
func createDatabase(ctx context.Context, baseURI string) (*database, error) {
	conn, err := pgx.Connect(ctx, baseURI)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL (set ROWGATE_BENCH_DATABASE_URL): %w", err)
	}
	defer conn.Close(ctx)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	db := &database{name: "rowgate_bench_" + hex.EncodeToString(suffix), baseURI: baseURI}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db.name); err != nil {
		return nil, fmt.Errorf("create database: %w", err)
	}
	if db.adminURI, err = withDB(baseURI, db.name, ""); err != nil {
		return nil, err
	}
	if db.apiURI, err = withDB(baseURI, db.name, pgsql.DefaultAuthenticator); err != nil {
		return nil, err
	}

	admin, err := pgx.Connect(ctx, db.adminURI)
	if err != nil {
		db.drop()
		return nil, fmt.Errorf("connect to %s: %w", db.name, err)
	}
	defer admin.Close(ctx)
	if _, err := pgsql.Setup(ctx, admin, pgsql.SetupOptions{}); err != nil {
		db.drop()
		return nil, fmt.Errorf("setup: %w", err)
	}
	if _, err := admin.Exec(ctx, fixtureSQL); err != nil {
		db.drop()
		return nil, fmt.Errorf("load fixture: %w", err)
	}
	return db, nil
}

// resetItems deletes the rows the insert scenario added, so that every
// scenario and every run sees the fixture as loaded.
func (db *database) resetItems(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, db.adminURI)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DELETE FROM public.items WHERE id > $1", numUsers*itemsPerUser); err != nil {
		return fmt.Errorf("reset items: %w", err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE public.items"); err != nil {
		return fmt.Errorf("reset items: %w", err)
	}
	return nil
}

// drop removes the database, even when the benchmark was interrupted.
func (db *database) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, db.baseURI)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db.name+" WITH (FORCE)")
}

// withDB swaps the database name of uri, and the user when one is given.
func withDB(uri, db, user string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("bad database URL: %w", err)
	}
	u.Path = "/" + db
	if user != "" {
		u.User = url.User(user)
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// userID is the uuid of fixture user n (0-based).
func userID(n int) string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
}

// ownItem is an item that fixture user n owns.
func ownItem(n int) int {
	return n*itemsPerUser + 1 + n%itemsPerUser
}
