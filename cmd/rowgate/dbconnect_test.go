package main

import (
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
)

// testDatabaseURL is the superuser URL of the test server.
func testDatabaseURL() string {
	if v := os.Getenv("ROWGATE_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// A db-uri that cannot log in fails start-up with one line naming db-uri, the user and the
// address, and the server's reason; never the password.
func TestNewAppConnectError(t *testing.T) {
	t.Parallel()
	base, err := url.Parse(testDatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	// sslmode=prefer makes pgx try twice, which used to print the reason twice.
	noRole := *base
	noRole.User = url.UserPassword("rowgate_no_such_login", "s3cret-pw")
	noRole.RawQuery = "sslmode=prefer"

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	refused := noRole
	refused.Host = closedAddr

	tests := []struct {
		name, uri, prefix, reason string
	}{
		{"unknown role", noRole.String(),
			`db-uri: cannot connect as "rowgate_no_such_login" to ` + base.Host + ": ",
			`role "rowgate_no_such_login" does not exist`},
		{"nothing listening", refused.String(),
			`db-uri: cannot connect as "rowgate_no_such_login" to ` + closedAddr + ": ",
			"connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := defaultConfig()
			cfg.DBURI = tt.uri
			a, err := newApp(context.Background(), cfg, newLogger("crit", io.Discard))
			if err == nil {
				a.close()
				t.Fatal("newApp connected")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.prefix) || !strings.Contains(msg, tt.reason) {
				t.Errorf("error %q, want %q ... %q", msg, tt.prefix, tt.reason)
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, "s3cret-pw") ||
				strings.Count(msg, tt.reason) != 1 {
				t.Errorf("error %q is not one line with the reason once and no password", msg)
			}
		})
	}
}
