package auth

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSessionSlidesAndExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	e := newEnv(t, func(c *Config) { c.Now = clk.Now })
	c := e.browser(t)
	e.signUp(t, c, "sid@example.com", "long enough")
	expiry := func() time.Time {
		t.Helper()
		var at time.Time
		if err := e.pool.QueryRow(ctx, `SELECT "expiresAt" FROM neon_auth.session`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	first := expiry()
	if d := first.Sub(clk.Now()); d < DefaultSessionLifetime-time.Minute || d > DefaultSessionLifetime {
		t.Errorf("a new session lasts %v", d)
	}

	// Within a day of its start the expiry stays; after that it moves on.
	clk.Add(time.Hour)
	if r := e.call(t, c, "GET", "/auth/get-session", nil); r.status != 200 || r.header.Get("Set-Cookie") != "" {
		t.Errorf("young session: %d %v", r.status, r.header)
	}
	if !expiry().Equal(first) {
		t.Error("a young session was extended")
	}
	clk.Add(2 * 24 * time.Hour)
	r := e.call(t, c, "GET", "/auth/get-session", nil)
	if r.status != 200 || !strings.Contains(r.header.Get("Set-Cookie"), cookieName+"=") {
		t.Errorf("aged session: %d %v", r.status, r.header)
	}
	if got := expiry(); got.Sub(first) < 48*time.Hour {
		t.Errorf("expiry moved from %v to %v", first, got)
	}

	// An expired session is gone: null, and the cookie is cleared.
	if _, err := e.pool.Exec(ctx, `UPDATE neon_auth.session SET "expiresAt" = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	r = e.call(t, c, "GET", "/auth/get-session", nil)
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != "null" {
		t.Errorf("expired session: %d %s", r.status, r.body)
	}
	if e.sessionCookie(t, c) != "" {
		t.Error("the cookie of an expired session was not cleared")
	}

	// Signing in again removes the expired row.
	r = e.call(t, c, "POST", "/auth/sign-in/email",
		map[string]string{"email": "sid@example.com", "password": "long enough"})
	if r.status != 200 {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM neon_auth.session`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d sessions after signing in again, want 1", n)
	}
}
