package test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestBadTokens(t *testing.T) {
	t.Parallel()
	good := token(t, userA, nil)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "=") + "x." + parts[2]

	cases := []struct {
		name string
		tok  string
		code string
	}{
		{"expired", token(t, userA, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}), "PGRST303"},
		{"wrong audience", token(t, userA, map[string]any{"aud": "someone-else"}), "PGRST303"},
		{"tampered payload", tampered, "PGRST301"},
		{"bad signature", parts[0] + "." + parts[1] + ".AAAA", "PGRST301"},
		{"garbage", "not-a-jwt", "PGRST301"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, http.MethodGet, "/items", c.tok, "")
			expectError(t, r, http.StatusUnauthorized, c.code)
			if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer error="invalid_token"`) {
				t.Fatalf("WWW-Authenticate = %q", h)
			}
		})
	}
}

func TestRoleClaim(t *testing.T) {
	t.Parallel()
	// A token naming the anonymous role runs as it.
	r := call(t, http.MethodPost, "/items", token(t, userA, map[string]any{"role": "anon"}), `{"name":"x"}`)
	expectError(t, r, http.StatusForbidden, "42501")

	// A role that does not exist is refused, not attempted as someone else.
	r = call(t, http.MethodGet, "/items", token(t, userA, map[string]any{"role": "no_such_role"}), "")
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("unknown role: %d %s", r.Status, r.Body)
	}
	// The superuser cannot be reached through the role claim.
	r = call(t, http.MethodGet, "/items", token(t, userA, map[string]any{"role": "postgres"}), "")
	if r.Status < 400 {
		t.Fatalf("role postgres was accepted: %d %s", r.Status, r.Body)
	}
}
