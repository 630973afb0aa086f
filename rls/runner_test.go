package rls_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rowgate/rowgate/rls"
)

// settingsProbe reports every setting and auth function as seen by the
// main statement.
const settingsProbe = `SELECT 1::bigint, -1::bigint, json_build_object(
	'current_user', current_user,
	'role', current_setting('role'),
	'claims', current_setting('request.jwt.claims', true),
	'method', current_setting('request.method', true),
	'path', current_setting('request.path', true),
	'headers', current_setting('request.headers', true),
	'cookies', current_setting('request.cookies', true),
	'search_path', current_setting('search_path'),
	'read_only', current_setting('transaction_read_only'),
	'uid', auth.uid(),
	'user_id', auth.user_id(),
	'auth_role', auth.role(),
	'jwt', auth.jwt(),
	'marker', (SELECT v FROM marker)
)::text, NULL::text, NULL::text`

type probe struct {
	CurrentUser string          `json:"current_user"`
	Role        string          `json:"role"`
	Claims      string          `json:"claims"`
	Method      string          `json:"method"`
	Path        string          `json:"path"`
	Headers     string          `json:"headers"`
	Cookies     string          `json:"cookies"`
	SearchPath  string          `json:"search_path"`
	ReadOnly    string          `json:"read_only"`
	UID         *string         `json:"uid"`
	UserID      *string         `json:"user_id"`
	AuthRole    *string         `json:"auth_role"`
	JWT         json.RawMessage `json:"jwt"`
	Marker      string          `json:"marker"`
}

func TestRunSettingsVisible(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			r := rls.NewRunner(e.pool(t, 1, mode))

			tests := []struct {
				name    string
				sub     string
				wantUID *string
			}{
				{"uuid sub", userA, &[]string{userA}[0]},
				{"non-uuid sub", "user_2xyz", nil},
			}
			for _, tt := range tests {
				env := userEnv(tt.sub)
				env.Method = "PATCH"
				env.Path = "/items/ü"
				env.Headers = []byte(`{"x-test":"1"}`)
				env.Cookies = []byte(`{"sid":"abc"}`)
				env.SearchPath = []string{`Mixed "Case"`, "api"}
				env.ReadOnly = true

				// The unqualified marker table resolves through search_path:
				// the statement is parsed inside the transaction, as the
				// request role, in every exec mode of the pool.
				res := run(t, r, env, settingsProbe)
				var p probe
				if err := json.Unmarshal(res.Body, &p); err != nil {
					t.Fatalf("%s: %v", res.Body, err)
				}

				want := probe{
					CurrentUser: "authenticated", Role: "authenticated",
					Claims: string(env.Claims), Method: "PATCH", Path: "/items/ü",
					Headers: `{"x-test":"1"}`, Cookies: `{"sid":"abc"}`,
					SearchPath: `"Mixed ""Case""", "api"`, ReadOnly: "on",
					UID: tt.wantUID, UserID: &tt.sub, AuthRole: ptr("authenticated"),
					Marker: "found me",
				}
				got := p
				got.JWT = nil
				if !probeEqual(got, want) {
					t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, want)
				}
				var jwt map[string]string
				if err := json.Unmarshal(p.JWT, &jwt); err != nil || jwt["sub"] != tt.sub {
					t.Errorf("%s: auth.jwt() = %s", tt.name, p.JWT)
				}
			}
		})
	}
}

func ptr(s string) *string { return &s }

func probeEqual(a, b probe) bool {
	eq := func(x, y *string) bool { return (x == nil && y == nil) || (x != nil && y != nil && *x == *y) }
	return a.CurrentUser == b.CurrentUser && a.Role == b.Role && a.Claims == b.Claims &&
		a.Method == b.Method && a.Path == b.Path && a.Headers == b.Headers &&
		a.Cookies == b.Cookies && a.SearchPath == b.SearchPath && a.ReadOnly == b.ReadOnly &&
		eq(a.UID, b.UID) && eq(a.UserID, b.UserID) && eq(a.AuthRole, b.AuthRole) &&
		a.Marker == b.Marker
}

func TestRunDefaultsClaimsAndJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rls.NewRunner(e.pool(t, 1, execModes[0]))
	env := &rls.Env{Role: "anon", Anonymous: true, SearchPath: []string{`Mixed "Case"`}}
	res := run(t, r, env, settingsProbe)
	var p probe
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Claims != `{"role":"anon"}` || p.Headers != "{}" || p.Cookies != "{}" ||
		p.AuthRole == nil || *p.AuthRole != "anon" || p.ReadOnly != "off" {
		t.Errorf("defaults: %+v", p)
	}
}

func TestRunReadOnlyRefusesWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rls.NewRunner(e.pool(t, 1, execModes[0]))
	env := userEnv(userA)
	env.ReadOnly = true
	rerr := runErr(t, r, env, insertItem, userA, "read-only", false)
	if rerr.Status != 405 || rerr.Code != "25006" {
		t.Errorf("got %d %s %q, want 405 25006", rerr.Status, rerr.Code, rerr.Message)
	}
	if n := e.count(t, "label = 'read-only'"); n != 0 {
		t.Errorf("%d rows written", n)
	}
}

func TestRunErrorLeavesConnectionClean(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			pool := e.pool(t, 1, mode)
			r := rls.NewRunner(pool)
			r.PreRequest = "api.pre_request"

			// An insert that succeeds, then a division by zero in the same
			// statement.
			const failing = `WITH ins AS (
				INSERT INTO api.items (owner, label) VALUES ($1, $2) RETURNING id)
				SELECT count(*), -1::bigint, (1 / (count(*) - 1))::text, NULL::text, NULL::text FROM ins`
			label := "half-done-" + mode.String()

			cases := []struct {
				name   string
				env    *rls.Env
				sql    string
				args   []any
				status int
				code   string
			}{
				{"main statement", userEnv(userA), failing, []any{userA, label}, 400, "22012"},
				{"unknown role", &rls.Env{Role: "no_such_role"}, selectItems, nil, 401, "22023"},
				{"pre-request", withHeaders(userEnv(userA), `{"x-block":"yes"}`), selectItems, nil, 403, "PT403"},
				{"unique violation", userEnv(userA), insertItem, []any{userA, "a-private", false}, 409, "23505"},
			}
			for _, c := range cases {
				rerr := runErr(t, r, c.env, c.sql, c.args...)
				if rerr.Status != c.status || rerr.Code != c.code {
					t.Errorf("%s: got %d %s %q, want %d %s", c.name, rerr.Status, rerr.Code,
						rerr.Message, c.status, c.code)
				}

				var user, claims, role, headers string
				const q = `SELECT current_user, current_setting('role'),
					coalesce(current_setting('request.jwt.claims', true), ''),
					coalesce(current_setting('response.headers', true), '')`
				if err := pool.QueryRow(context.Background(), q).Scan(&user, &role, &claims, &headers); err != nil {
					t.Fatalf("%s: probe: %v", c.name, err)
				}
				if user != "authenticator" || role != "none" || claims != "" || headers != "" {
					t.Errorf("%s: connection keeps user=%s role=%s claims=%q headers=%q",
						c.name, user, role, claims, headers)
				}
			}
			if n := e.count(t, "label = $1", label); n != 0 {
				t.Errorf("failed statement left %d rows", n)
			}

			// The connection still serves requests, with the pre-request
			// hook's header.
			res := run(t, r, userEnv(userB), selectItems)
			if got := labels(t, res.Body); !slices.Equal(got, []string{"a-public", "b-private", "b-public"}) {
				t.Errorf("after errors B sees %v", got)
			}
			if res.Headers != `[{"X-Pre":"ran"}]` {
				t.Errorf("response headers %q", res.Headers)
			}
		})
	}
}

func withHeaders(e *rls.Env, headers string) *rls.Env {
	e.Headers = []byte(headers)
	return e
}

func TestRunRollback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			pool := e.pool(t, 1, mode)
			r := rls.NewRunner(pool)
			label := "rolled-back-" + mode.String()

			for range 3 { // repeated: statement caches are invalidated by the error
				env := userEnv(userA)
				env.Rollback = true
				res := run(t, r, env, insertItem, userA, label, false)
				if res.PageTotal != 1 || !slices.Equal(labels(t, res.Body), []string{label}) {
					t.Errorf("rollback run returned %d %s", res.PageTotal, res.Body)
				}
				if n := e.count(t, "label = $1", label); n != 0 {
					t.Fatalf("rolled-back insert persisted")
				}
			}

			// Same statement with Check also rolls back.
			env := userEnv(userA)
			env.Rollback = true
			env.Check = func(*rls.Result) error { return nil }
			run(t, r, env, insertItem, userA, label, false)
			if n := e.count(t, "label = $1", label); n != 0 {
				t.Fatalf("rolled-back checked insert persisted")
			}

			// A normal run on the same connection commits.
			run(t, r, userEnv(userA), insertItem, userA, label, false)
			if n := e.count(t, "label = $1", label); n != 1 {
				t.Errorf("committed insert: %d rows", n)
			}
		})
	}
}

func TestRunCommitTimeError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			pool := e.pool(t, 1, mode)
			r := rls.NewRunner(pool)
			label := "commit-fails-" + mode.String()

			rerr := runErr(t, r, userEnv(userA), insertItem, userA, label, false)
			if rerr.Status != 418 || rerr.Message != "refused at commit" {
				t.Errorf("got %d %s %q", rerr.Status, rerr.Code, rerr.Message)
			}
			if n := e.count(t, "label = $1", label); n != 0 {
				t.Errorf("insert refused at commit persisted")
			}
			run(t, r, userEnv(userB), selectItems)
		})
	}
}

func TestRunCheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rls.NewRunner(e.pool(t, 1, execModes[0]))
	singular := func(res *rls.Result) error {
		if res.PageTotal != 1 {
			return &rls.Error{Status: 406, Code: "PGRST116", Message: "not one row"}
		}
		return nil
	}

	// Alice's update touches her two rows: refused, and rolled back.
	env := userEnv(userA)
	env.Check = singular
	const touch = `WITH upd AS (UPDATE api.items SET label = label || '!' RETURNING label)
		SELECT count(*), -1::bigint, json_agg(upd.label)::text, NULL::text, NULL::text FROM upd`
	rerr := runErr(t, r, env, touch)
	if rerr.Status != 406 || rerr.Code != "PGRST116" {
		t.Errorf("got %d %s", rerr.Status, rerr.Code)
	}
	if n := e.count(t, "label LIKE '%!'"); n != 0 {
		t.Errorf("refused update persisted on %d rows", n)
	}

	// A plain error from Check is rowgate's fault.
	env.Check = func(*rls.Result) error { return errors.New("boom") }
	if rerr := runErr(t, r, env, touch); rerr.Status != 500 {
		t.Errorf("plain Check error: %d", rerr.Status)
	}

	// A passing check commits.
	env.Check = singular
	run(t, r, env, insertItem, userA, "checked", false)
	if n := e.count(t, "label = 'checked'"); n != 1 {
		t.Errorf("checked insert: %d rows", n)
	}

	// Errors inside the checked shape leave the connection usable.
	if rerr := runErr(t, r, env, insertItem, userA, "checked", false); rerr.Status != 409 {
		t.Errorf("duplicate in checked shape: %d", rerr.Status)
	}
	if rerr := runErr(t, r, env, insertItem, userA, "commit-fails-checked", false); rerr.Status != 418 {
		t.Errorf("commit failure in checked shape: %d", rerr.Status)
	}
	run(t, r, userEnv(userB), selectItems)
}

func TestRunRaise(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rls.NewRunner(e.pool(t, 1, execModes[0]))
	call := func(fn string) string {
		return "SELECT 0::bigint, -1::bigint, api." + fn + "()::text, NULL::text, NULL::text"
	}

	rerr := runErr(t, r, userEnv(userA), call("pay"))
	want := rls.Error{Status: 402, Code: "123", Message: "Payment Required",
		Details: "quota used", Hint: "upgrade"}
	if rerr.Status != want.Status || rerr.Code != want.Code || rerr.Message != want.Message ||
		rerr.Details != want.Details || rerr.Hint != want.Hint || rerr.Headers["X-Quota"] != "0" {
		t.Errorf("PGRST raise: %+v", rerr)
	}

	rerr = runErr(t, r, userEnv(userA), call("bad_raise"))
	if rerr.Status != 500 || rerr.Code != "PGRST121" {
		t.Errorf("unparsable raise: %+v", rerr)
	}

	rerr = runErr(t, r, userEnv(userA), call("teapot"))
	if rerr.Status != 418 || rerr.Code != "PT418" || rerr.Hint != "tip me over" {
		t.Errorf("PT raise: %+v", rerr)
	}
}

func TestRunResultShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rls.NewRunner(e.pool(t, 1, execModes[0]))

	res := run(t, r, anonEnv(), "SELECT 0::bigint, -1::bigint, NULL::text, NULL::text, NULL::text")
	if res.Body != nil || res.Total != -1 || res.Headers != "" || res.Status != "" {
		t.Errorf("empty result: %+v", res)
	}
	const withStatus = `SELECT 2::bigint, 40::bigint, 'x'::text,
		set_config('response.headers', '[{"A":"b"}]', true), set_config('response.status', '201', true)`
	res = run(t, r, anonEnv(), withStatus)
	if res.PageTotal != 2 || res.Total != 40 || string(res.Body) != "x" ||
		res.Headers != `[{"A":"b"}]` || res.Status != "201" {
		t.Errorf("full result: %+v", res)
	}

	rerr := runErr(t, r, anonEnv(), "SELECT 1, 2")
	if rerr.Status != 500 || rerr.Code != "PGRSTX00" {
		t.Errorf("wrong shape: %+v", rerr)
	}
	rerr = runErr(t, r, &rls.Env{}, selectItems)
	if rerr.Status != 500 {
		t.Errorf("missing role: %+v", rerr)
	}
	run(t, r, anonEnv(), selectItems)
}

func TestRunAcquireTimeout(t *testing.T) {
	t.Parallel()
	r, release := busyRunner(t, 50*time.Millisecond)
	rerr := runErr(t, r, anonEnv(), selectItems)
	release()
	if rerr.Status != 504 || rerr.Code != "PGRST003" {
		t.Errorf("got %+v", rerr)
	}
	run(t, r, anonEnv(), selectItems)

	// A cancelled request is a connection-level failure.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Run(ctx, anonEnv(), selectItems, nil)
	if rerr, ok := errors.AsType[*rls.Error](err); !ok || rerr.Status != 503 {
		t.Errorf("cancelled: %v", err)
	}
}

// busyRunner is a runner with the given acquisition timeout on a pool of
// one connection, which is held until release is called (at the latest
// when the test ends).
func busyRunner(t *testing.T, timeout time.Duration) (r *rls.Runner, release func()) {
	t.Helper()
	e := newEnv(t)
	pool := e.pool(t, 1, execModes[0])
	r = rls.NewRunner(pool)
	r.AcquireTimeout = timeout
	held, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(held.Release) }
	t.Cleanup(release)
	return r, release
}

// A client that goes away while every connection is busy stops waiting at
// once instead of holding its place until the acquisition timeout.
func TestRunStopsWaitingWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	r, _ := busyRunner(t, 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := r.Run(ctx, anonEnv(), selectItems, nil)
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("Run returned %s after the client left", waited-100*time.Millisecond)
	}
	if rerr, ok := errors.AsType[*rls.Error](err); !ok || rerr.Status != 503 || rerr.Code == "PGRST003" {
		t.Errorf("client gone: %v", err)
	}
}
