package test

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// startLive runs `rowgate serve` with settings at the default log level (error, unless
// settings say otherwise) and waits until /live answers, ready or not. It stops the
// gateway when the test ends.
func startLive(t *testing.T, settings map[string]string) *gatewayProc {
	t.Helper()
	withLevel := map[string]string{"PGRST_LOG_LEVEL": "error"}
	for k, v := range settings {
		withLevel[k] = v
	}
	g, err := launchGateway(withLevel)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)

	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if resp, err := http.Get(g.admin + "/live"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return g
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("rowgate did not start:\n%s", g.out.String())
	return nil
}

// expectLogLine fails unless one line of g's output holds every part.
func expectLogLine(t *testing.T, g *gatewayProc, parts ...string) {
	t.Helper()
next:
	for line := range strings.SplitSeq(g.out.String(), "\n") {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue next
			}
		}
		return
	}
	t.Errorf("no log line holds %q:\n%s", parts, g.out.String())
}

// The admin server's address is logged at start-up, like the API's.
func TestStartupLogsAdminAddress(t *testing.T) {
	t.Parallel()
	addr := strings.TrimPrefix(env.gw.admin, "http://")
	expectLogLine(t, env.gw, `msg="admin server listening"`, "address="+addr)
}

// A JWKS URL that cannot be reached at start-up is logged at the default level, and
// requests with a token answer 503 RG001 with Retry-After until keys arrive.
func TestStartupJWKSUnreachable(t *testing.T) {
	t.Parallel()
	jwksURL := fmt.Sprintf("http://127.0.0.1:%d/.well-known/jwks.json", freePort())
	g := startLive(t, map[string]string{
		"PGRST_DB_URI":             env.apiURI,
		"PGRST_DB_ANON_ROLE":       "anon",
		"PGRST_JWT_AUD":            audience,
		"ROWGATE_JWT_JWKS_URL":     jwksURL,
		"ROWGATE_JWT_DEFAULT_ROLE": "authenticated",
	})
	expectLogLine(t, g, "level=ERROR", "url="+jwksURL, "503")

	r, err := doCall("GET", g.base+"/notes", token(t, userA, nil), "")
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, r, http.StatusServiceUnavailable, "RG001")
	if got := r.Header.Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After = %q, want 5", got)
	}
}

// Settings that name missing database objects, and mistyped settings, are reported at
// the default log level, one line each, and start-up goes on.
func TestStartupWarnings(t *testing.T) {
	t.Parallel()
	// A role the login role is not a member of (roles are shared by all databases).
	const outsider = "rowgate_startup_outsider"
	conn, err := pgx.Connect(context.Background(), env.adminURI)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(context.Background(), `DO $$ BEGIN
		CREATE ROLE `+outsider+` NOLOGIN;
	EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`)
	conn.Close(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	g := startLive(t, map[string]string{
		"PGRST_DB_URI":             env.apiURI,
		"PGRST_DB_SCHEMAS":         "public,rowgate_no_such_schema",
		"PGRST_DB_ANON_ROLE":       "rowgate_no_such_role",
		"PGRST_DB_ANON_ROL":        "anon",
		"PGRST_JWT_AUD":            audience,
		"ROWGATE_JWT_JWKS_URL":     env.jwks.URL,
		"ROWGATE_JWT_DEFAULT_ROLE": outsider,
	})
	expectLogLine(t, g, "level=ERROR", "db-schemas", "schema=rowgate_no_such_schema")
	expectLogLine(t, g, "level=ERROR", "db-anon-role", "does not exist", "role=rowgate_no_such_role")
	expectLogLine(t, g, "level=ERROR", "jwt-default-role", "cannot switch", "role="+outsider)
	expectLogLine(t, g, "level=ERROR", "unknown setting ignored: PGRST_DB_ANON_ROL")
	if strings.Contains(g.out.String(), "role=authenticated") {
		t.Errorf("a usable role was reported:\n%s", g.out.String())
	}
}

// app.settings.* are set on every request, as in PostgREST.
func TestAppSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name, drop, err := createDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	admin := withDB(baseURI(), name, "")
	if out, err := exec.Command(env.binary, "setup", "--db-uri", admin).CombinedOutput(); err != nil {
		t.Fatalf("rowgate setup: %v\n%s", err, out)
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `CREATE FUNCTION app_setting(name text) RETURNS text
		LANGUAGE sql STABLE AS $$ SELECT current_setting('app.settings.' || name, true) $$`)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}

	g, err := startGateway(map[string]string{
		"PGRST_DB_URI":             withDB(baseURI(), name, "authenticator"),
		"PGRST_DB_ANON_ROLE":       "anon",
		"PGRST_APP_SETTINGS_FOO":   "it's \"foo\"; $1",
		"PGRST_APP_SETTINGS_OTHER": "42",
		"ROWGATE_JWT_JWKS_URL":     env.jwks.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)

	tests := []struct{ name, want string }{
		{"foo", `"it's \"foo\"; $1"`},
		{"other", `"42"`},
		{"unset", `null`},
	}
	for _, tt := range tests {
		r, err := doCall("GET", g.base+"/rpc/app_setting?name="+tt.name, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != http.StatusOK || string(r.Body) != tt.want {
			t.Errorf("app.settings.%s: %d %s, want 200 %s", tt.name, r.Status, r.Body, tt.want)
		}
	}
}
