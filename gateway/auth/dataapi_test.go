package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/rowgate/rowgate/jwks"
)

func TestCookieStandsForBearer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{"https://app.example.com"} })
	c := e.browser(t)
	user := e.signUp(t, c, "cora@example.com", "long enough")["user"].(map[string]any)
	cookie := e.sessionCookie(t, c)

	// The gateway's verifier, with this service as one more provider.
	v, err := jwks.New(ctx, jwks.Config{
		Providers:  []jwks.Provider{e.svc.Provider()},
		HTTPClient: &http.Client{Transport: e.svc.Transport(nil)},
		AnonRole:   "anon",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()

	request := func(headers ...string) *http.Request {
		r, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/notes", nil)
		r.Header.Set("Cookie", cookieName+"="+cookie)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		return r
	}
	tests := []struct {
		name    string
		headers []string
		user    bool
	}{
		{"same origin", nil, true},
		{"own origin header", []string{"Origin", e.srv.URL}, true},
		{"allowed origin", []string{"Origin", "https://app.example.com"}, true},
		{"foreign origin", []string{"Origin", "https://evil.example.net"}, false},
		{"cross-site", []string{"Sec-Fetch-Site", "cross-site"}, false},
		{"junk cookie", []string{"Cookie", cookieName + "=junk"}, false},
		{"no cookie", []string{"Cookie", "other=1"}, false},
	}
	for _, tt := range tests {
		authz, err := e.svc.Authorization(request(tt.headers...))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !tt.user {
			if authz != "" {
				t.Errorf("%s: got credentials", tt.name)
			}
			continue
		}
		id, err := v.Identify(ctx, authz)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var claims map[string]any
		_ = json.Unmarshal(id.Claims, &claims)
		if id.Role != "authenticated" || claims["sub"] != user["id"] || claims["email"] != "cora@example.com" {
			t.Errorf("%s: role %s claims %v", tt.name, id.Role, claims)
		}
	}

	// Cached: the same value comes back without a new token.
	a1, _ := e.svc.Authorization(request())
	a2, _ := e.svc.Authorization(request())
	if a1 != a2 {
		t.Error("the cookie's credentials were not cached")
	}

	// Sign-out ends it at once.
	r := e.call(t, c, "POST", "/auth/sign-out", nil)
	if r.status != 200 {
		t.Fatalf("sign-out: %d", r.status)
	}
	if authz, err := e.svc.Authorization(request()); err != nil || authz != "" {
		t.Errorf("after sign-out: %q %v", authz, err)
	}
}
