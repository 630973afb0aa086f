// Package pgtest gives tests a database of their own on a real PostgreSQL
// server. The server is named by the environment variable
// ROWGATE_TEST_DATABASE_URL (a superuser connection string) and defaults to
// the local server on 127.0.0.1. Tests are skipped when it cannot be reached.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvURL names the environment variable holding the superuser URL.
const EnvURL = "ROWGATE_TEST_DATABASE_URL"

// DefaultURL is used when EnvURL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DB is a database created for one test and dropped when it ends.
type DB struct {
	// Name is the database name.
	Name string
	// admin is the superuser configuration pointed at Name.
	admin *pgx.ConnConfig
}

// New creates an empty database and drops it (closing its connections)
// when t ends. It skips t when the server cannot be reached.
func New(t testing.TB) *DB {
	t.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		url = DefaultURL
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("pgtest: parse %s: %v", EnvURL, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Skipf("pgtest: PostgreSQL not reachable (set %s): %v", EnvURL, err)
	}
	defer conn.Close(ctx)

	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	name := "rowgate_test_" + hex.EncodeToString(suffix[:])
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})

	admin := cfg.Copy()
	admin.Database = name
	return &DB{Name: name, admin: admin}
}

// Config returns a connection configuration for the test database as user.
// An empty user keeps the superuser. The password is dropped for any other
// user, which suits trust authentication.
func (d *DB) Config(user string) *pgx.ConnConfig {
	cfg := d.admin.Copy()
	if user != "" && user != cfg.User {
		cfg.User = user
		cfg.Password = ""
	}
	return cfg
}

// Admin opens a superuser connection to the test database, closed when t
// ends.
func (d *DB) Admin(t testing.TB) *pgx.Conn {
	t.Helper()
	return d.Conn(t, "")
}

// Conn opens a connection as user (see [DB.Config]), closed when t ends.
func (d *DB) Conn(t testing.TB, user string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, d.Config(user))
	if err != nil {
		t.Fatalf("pgtest: connect as %q: %v", user, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// Pool opens a pool of at most maxConns connections as user, closed when t
// ends. configure, when not nil, may adjust the configuration first.
func (d *DB) Pool(t testing.TB, user string, maxConns int32, configure func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	pcfg, err := pgxpool.ParseConfig("")
	if err != nil {
		t.Fatalf("pgtest: pool config: %v", err)
	}
	pcfg.ConnConfig = d.Config(user)
	pcfg.MaxConns = maxConns
	if configure != nil {
		configure(pcfg)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		t.Fatalf("pgtest: pool as %q: %v", user, err)
	}
	t.Cleanup(pool.Close)
	return pool
}
