package rls_test

import (
	"slices"
	"testing"

	"github.com/rowgate/rowgate/rls"
)

func TestRLSIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rls.NewRunner(e.pool(t, 2, execModes[0]))

	// Reads.
	reads := []struct {
		name string
		env  *rls.Env
		want []string
	}{
		{"A", userEnv(userA), []string{"a-private", "a-public", "b-public"}},
		{"B", userEnv(userB), []string{"a-public", "b-private", "b-public"}},
		{"anon", anonEnv(), []string{"a-public", "b-public"}},
		{"non-uuid sub", userEnv("auth0|123"), []string{"a-public", "b-public"}},
	}
	for _, tt := range reads {
		res := run(t, r, tt.env, selectItems)
		if got := labels(t, res.Body); !slices.Equal(got, tt.want) || res.PageTotal != int64(len(tt.want)) {
			t.Errorf("%s reads %v (%d), want %v", tt.name, got, res.PageTotal, tt.want)
		}
	}

	// Writes that policies refuse.
	refusals := []struct {
		name   string
		env    *rls.Env
		args   []any
		status int
	}{
		{"A inserts for B", userEnv(userA), []any{userB, "forged", false}, 403},
		{"anon inserts", anonEnv(), []any{nil, "anon-row", true}, 401},
		{"non-uuid sub inserts", userEnv("auth0|123"), []any{nil, "nobody", false}, 403},
	}
	for _, tt := range refusals {
		rerr := runErr(t, r, tt.env, insertItem, tt.args...)
		if rerr.Status != tt.status || rerr.Code != "42501" ||
			rerr.Message != `new row violates row-level security policy for table "items"` {
			t.Errorf("%s: %d %s %q, want %d 42501", tt.name, rerr.Status, rerr.Code, rerr.Message, tt.status)
		}
	}
	if n := e.count(t, "label IN ('forged', 'anon-row', 'nobody')"); n != 0 {
		t.Errorf("%d refused rows persisted", n)
	}

	// Updates and deletes touch only the caller's rows.
	res := run(t, r, userEnv(userA), updateAll)
	if got := labels(t, res.Body); !slices.Equal(got, []string{"a-private", "a-public"}) {
		t.Errorf("A updates %v", got)
	}
	rerr := runErr(t, r, anonEnv(), updateAll)
	if rerr.Status != 401 || rerr.Code != "42501" {
		t.Errorf("anon update: %d %s", rerr.Status, rerr.Code)
	}
	// Moving a row to another owner violates WITH CHECK.
	const giveAway = `WITH upd AS (UPDATE api.items SET owner = $1 RETURNING 1)
		SELECT count(*), -1::bigint, NULL::text, NULL::text, NULL::text FROM upd`
	rerr = runErr(t, r, userEnv(userA), giveAway, userB)
	if rerr.Status != 403 || rerr.Code != "42501" {
		t.Errorf("give away: %d %s", rerr.Status, rerr.Code)
	}

	res = run(t, r, userEnv(userB), insertItem, userB, "b-new", false)
	if res.PageTotal != 1 {
		t.Errorf("B insert: %+v", res)
	}
	res = run(t, r, userEnv(userB), deleteAll)
	if got := labels(t, res.Body); !slices.Equal(got, []string{"b-new", "b-private", "b-public"}) {
		t.Errorf("B deletes %v", got)
	}
	if n := e.count(t, "owner = $1", userA); n != 2 {
		t.Errorf("A has %d rows after B's delete, want 2", n)
	}
}
