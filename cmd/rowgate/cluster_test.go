package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// skipWithoutPostgresBin skips the test when no server binaries are installed.
func skipWithoutPostgresBin(t *testing.T) string {
	t.Helper()
	bin, err := findPostgresBin()
	if err != nil {
		t.Skipf("no PostgreSQL server binaries: %v", err)
	}
	return bin
}

func TestFindPostgresBin(t *testing.T) {
	t.Parallel()
	bin := skipWithoutPostgresBin(t)
	if !clusterHasBinaries(bin) {
		t.Fatalf("%s lacks initdb, pg_ctl or postgres", bin)
	}
	// The folder's postgres must really be a server binary.
	out, err := exec.Command(filepath.Join(bin, "postgres"), "--version").Output()
	if err != nil || len(out) == 0 {
		t.Fatalf("postgres --version: %v %q", err, out)
	}
}

func TestTempCluster(t *testing.T) {
	t.Parallel()
	skipWithoutPostgresBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	c, err := startTempCluster(ctx, t.Logf)
	if err != nil {
		t.Fatalf("startTempCluster: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	if _, err := os.Stat(c.dataDir()); err != nil {
		t.Fatalf("data folder: %v", err)
	}

	// Use it: it answers on the advertised port and keeps data.
	conn, err := pgx.Connect(ctx, c.URI)
	if err != nil {
		t.Fatalf("connect %s: %v", c.URI, err)
	}
	var one int
	var port, dataDir string
	err = conn.QueryRow(ctx, "select 1, current_setting('port'), current_setting('data_directory')").
		Scan(&one, &port, &dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if one != 1 || port != strconv.Itoa(c.Port) {
		t.Errorf("select = %d, port %s; want 1, %d", one, port, c.Port)
	}
	if dataDir != c.dataDir() {
		t.Errorf("data_directory = %s, want %s", dataDir, c.dataDir())
	}
	if _, err := conn.Exec(ctx, "create table t (id int primary key, name text)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "insert into t values (1, 'ünïcode')"); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := conn.QueryRow(ctx, "select name from t where id = 1").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "ünïcode" {
		t.Errorf("name = %q", name)
	}

	// A superuser, as the demo's setup needs.
	var super bool
	if err := conn.QueryRow(ctx, "select rolsuper from pg_roles where rolname = current_user").
		Scan(&super); err != nil || !super {
		t.Errorf("current_user is not a superuser: %v %v", super, err)
	}
	// The session is cut by the fast shutdown; close it first anyway.
	conn.Close(ctx)

	// Stop: the server is gone, the folder too, and a second Stop is harmless.
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(c.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("folder %s still there: %v", c.dir, err)
	}
	shortCtx, cancelShort := context.WithTimeout(ctx, 5*time.Second)
	defer cancelShort()
	if conn, err := pgx.Connect(shortCtx, c.URI); err == nil {
		conn.Close(ctx)
		t.Error("server still accepts connections after Stop")
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestClusterSortByVersion(t *testing.T) {
	t.Parallel()
	in := []string{
		"/usr/lib/postgresql/9.6/bin",
		"/usr/lib/postgresql/15/bin",
		"/usr/lib/postgresql/10/bin",
		"/usr/lib/postgresql/17/bin",
		"/usr/pgsql-16/bin",
	}
	want := []string{
		"/usr/lib/postgresql/17/bin",
		"/usr/pgsql-16/bin",
		"/usr/lib/postgresql/15/bin",
		"/usr/lib/postgresql/10/bin",
		"/usr/lib/postgresql/9.6/bin",
	}
	if got := clusterSortByVersion(in); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestClusterShellQuote(t *testing.T) {
	t.Parallel()
	tests := []string{"/tmp/plain", "/tmp/with space", "/tmp/it's", `/tmp/$HOME;"x"`}
	for _, s := range tests {
		// The shell must hand the quoted word back unchanged.
		out, err := exec.Command("/bin/sh", "-c", "printf %s "+clusterShellQuote(s)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != s {
			t.Errorf("quoted %q came back as %q", s, out)
		}
	}
}

func TestClusterTraversable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	closed := filepath.Join(dir, "closed")
	inner := filepath.Join(closed, "inner")
	if err := os.MkdirAll(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	if clusterTraversable(inner) {
		t.Errorf("%s reported traversable under a 0700 parent", inner)
	}
	if !clusterTraversable("/") {
		t.Error("/ reported not traversable")
	}
}
