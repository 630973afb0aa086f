package querybuilder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL tests share one database, created on first use with a
// unique name and dropped by TestMain.
var testDB struct {
	once    sync.Once
	dsn     string // of the test database, "" when unavailable
	name    string
	adminDB string
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testDB.name != "" {
		dropTestDB()
	}
	os.Exit(code)
}

// adminDSN is the server to create the test database on.
func adminDSN() string {
	if dsn := os.Getenv("ROWGATE_TEST_DATABASE_URL"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// connectTestDB returns a connection to the seeded test database, or skips
// the test when no PostgreSQL is reachable.
func connectTestDB(t *testing.T) *pgx.Conn {
	t.Helper()
	testDB.once.Do(createTestDB)
	if testDB.err != nil {
		t.Skipf("no test database: %v", testDB.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testDB.dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		t.Fatal(err)
	}
	return conn
}

// createTestDB creates the database, the fixture tables and their rows.
func createTestDB() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminDSN())
	if err != nil {
		testDB.err = err
		return
	}
	defer admin.Close(ctx)

	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "rowgate_qb_" + hex.EncodeToString(buf)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		testDB.err = err
		return
	}
	testDB.name = name

	u, err := url.Parse(adminDSN())
	if err != nil {
		testDB.err = err
		return
	}
	u.Path = "/" + name
	testDB.dsn = u.String()

	conn, err := pgx.Connect(ctx, testDB.dsn)
	if err != nil {
		testDB.err = err
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, fixtureDDL+fixtureRows); err != nil {
		testDB.err = fmt.Errorf("create fixture: %w", err)
	}
}

// dropTestDB drops the test database.
func dropTestDB() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminDSN())
	if err != nil {
		return
	}
	defer admin.Close(ctx)
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+testDB.name+" WITH (FORCE)")
}

// fixtureRows seeds the fixture tables.
const fixtureRows = `
INSERT INTO posts (title, views, price, published, created_at, data, meta, tags, uid, mood, body, span) VALUES
 ('hello world', 10, 12345678901234567890.1234567890, true, '2024-01-01 00:00:00+00',
  '{"a":{"b":"x"},"n":1,"arr":[1,2]}', '{"k":"v"}', '{a,b}', '11111111-1111-1111-1111-111111111111',
  'happy', 'The quick brown fox', '[1,5)'),
 ('second post', 20, 0.5, false, '2024-02-01 00:00:00+00',
  '{"a":{"b":"y"},"n":2}', '{"k":"w"}', '{b,c}', '22222222-2222-2222-2222-222222222222',
  'sad', 'lazy dogs sleep', '[5,10)'),
 ('Third, "quoted"', NULL, NULL, NULL, NULL, NULL, NULL, '{}', NULL, 'ok', NULL, 'empty');
UPDATE posts SET search = to_tsvector('english', body);
INSERT INTO pairs VALUES (1, 'x', 'one'), (2, 'y', NULL);
INSERT INTO "odd ""name?" VALUES (1, 'a?b');
INSERT INTO codes VALUES ('abcde', 'A', 1.25);
`
