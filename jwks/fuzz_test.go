package jwks

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// FuzzIdentify feeds arbitrary Authorization values to a verifier with
// HMAC, RSA, EC and EdDSA keys. It must never panic, must fail only with a
// 401 *Error (or 400 for a malformed header) carrying a safe challenge, and must only accept tokens that
// produce a role and valid claims JSON.
func FuzzIdentify(f *testing.F) {
	k := keys(f)
	v := newVerifier(f, Config{
		Secret: testSecret,
		JWKS: jwkSet(f,
			jwkSpec{pub: &k.rsa[0].PublicKey, kid: "rsa"},
			jwkSpec{pub: &k.ec.PublicKey, kid: "ec"},
			jwkSpec{pub: k.ed.Public(), kid: "ed"}),
		RoleClaimKey:    ".app.roles[0]",
		DefaultRole:     "authenticated",
		CacheMaxEntries: 64,
	})

	seeds := []string{
		bearer(sign(f, jwa.HS256, testSecret, nil, claims(nil))),
		bearer(sign(f, jwa.RS256, k.rsa[0], map[string]any{"kid": "rsa"}, claims(map[string]any{"app": map[string]any{"roles": []string{"editor"}}}))),
		bearer(sign(f, jwa.ES256, k.ec, map[string]any{"kid": "ec"}, claims(nil))),
		bearer(sign(f, jwa.EdDSA, k.ed, map[string]any{"kid": "ed"}, []byte(`{"app":{"roles":[7]}}`))),
		bearer(sign(f, jwa.HS256, testSecret, nil, []byte(`{"exp":"x","app":null}`))),
		bearer(sign(f, jwa.HS256, testSecret, map[string]any{"crit": []string{"b64"}}, []byte(`{}`))),
		"", "Bearer", "Bearer ", "bearer a.b.c", "Bearer ...", "Bearer e30.e30.", "Basic Zm9vOmJhcg==",
		"Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.", "Bearer \"\r\n.x.y",
		"Bearer a b", "Bearer a.b.c\x00", "Bearer \xff.\xfe.x",
		bearer(sign(f, jwa.HS256, testSecret, nil, []byte(`{"x":"\u0000","n":1e9999,"s":"\ud800"}`))),
	}
	for _, s := range seeds {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, auth string) {
		id, err := v.Identify(context.Background(), auth)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			malformed := e.Status == 400 && e.Code == CodeMalformedHeader
			if e.Status != 401 && !malformed {
				t.Fatalf("status %d for %q", e.Status, auth)
			}
			if h := e.WWWAuthenticate(); strings.ContainsAny(h, "\r\n") || strings.Count(h, `"`) > 4 {
				t.Fatalf("unsafe challenge %q", h)
			}
			return
		}
		if !validRole(id.Role) || !json.Valid(id.Claims) {
			t.Fatalf("accepted %q as %q with claims %q", auth, id.Role, id.Claims)
		}
	})
}

// FuzzRolePath checks that the role path parser never panics and that what
// it accepts can be looked up.
func FuzzRolePath(f *testing.F) {
	for _, s := range []string{".role", "$.role", `."a.b"[3].c`, `$["x"][0]`, "[", `."`, "$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseRolePath(s)
		if err != nil {
			return
		}
		_, _ = p.lookup(map[string]any{"role": "x", "a": []any{1}})
		if _, err := parseRolePath(p.String()); err != nil {
			t.Fatalf("%q parsed, but its rendering %q does not: %v", s, p.String(), err)
		}
	})
}
