package jwks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// TestProviders runs two remote JWKS providers, an HMAC provider and a
// PEM provider side by side, each with its own issuer and audience, and
// checks that a key of one provider never vouches for another's claims.
func TestProviders(t *testing.T) {
	t.Parallel()
	k := keys(t)
	neon := newJWKSServer(t, jwkSet(t, jwkSpec{pub: k.ed.Public(), kid: "neon-1", alg: jwa.EdDSA}))
	auth0 := newJWKSServer(t, jwkSet(t, jwkSpec{pub: &k.rsa[0].PublicKey, kid: "auth0-1"}))

	v := newVerifier(t, Config{
		Providers: []Provider{
			{JWKSURL: neon.URL, Issuer: "https://neon.test", Audience: []string{"https://neon.test"}},
			{JWKSURL: auth0.URL, Issuer: "https://auth0.test/", Audience: []string{"api-a", "api-b"},
				RoleClaimKey: `."https://example.com/role"`},
			{Secret: testSecret, DefaultRole: "service"},
			{PEM: pemOf(t, &k.rsa[1].PublicKey), Issuer: "https://pem.test"},
		},
		DefaultRole: "authenticated",
	})

	neonClaims := obj{"iss": "https://neon.test", "aud": "https://neon.test"}
	auth0Claims := obj{"iss": "https://auth0.test/", "aud": []string{"api-b", "x"}, "role": nil}
	ed := func(c obj) string { return bearer(sign(t, jwa.EdDSA, k.ed, obj{"kid": "neon-1"}, claims(c))) }
	rs := func(c obj) string { return bearer(sign(t, jwa.RS256, k.rsa[0], obj{"kid": "auth0-1"}, claims(c))) }
	hs := func(c obj) string { return bearer(sign(t, jwa.HS256, testSecret, nil, claims(c))) }
	pm := func(c obj) string { return bearer(sign(t, jwa.RS256, k.rsa[1], nil, claims(c))) }

	tests := []struct {
		name   string
		auth   string
		status int
		code   string // or the role on success
	}{
		{"neon token", ed(neonClaims), 0, "authenticated"},
		{"neon token, auth0 issuer", ed(auth0Claims), 401, CodeInvalidClaims},
		{"neon token, no aud", ed(obj{"iss": "https://neon.test"}), 401, CodeInvalidClaims},
		{"auth0 token, default role", rs(auth0Claims), 0, "authenticated"},
		{"auth0 token, namespaced role", rs(merge(auth0Claims, obj{"https://example.com/role": "editor"})), 0, "editor"},
		{"auth0 token, neon issuer", rs(neonClaims), 401, CodeInvalidClaims},
		{"auth0 token, other aud", rs(merge(auth0Claims, obj{"aud": "api-c"})), 401, CodeInvalidClaims},
		{"auth0 key, neon kid", bearer(sign(t, jwa.RS256, k.rsa[0], obj{"kid": "neon-1"}, claims(neonClaims))), 401, CodeInvalidToken},
		{"secret token, any claims", hs(obj{"iss": "whoever", "role": nil}), 0, "service"},
		{"pem token", pm(obj{"iss": "https://pem.test"}), 0, "authenticated"},
		{"pem token, wrong iss", pm(obj{"iss": "https://neon.test"}), 401, CodeInvalidClaims},
		{"expired is checked once for all", ed(merge(neonClaims, obj{"exp": time.Now().Unix() - 3600})), 401, CodeInvalidClaims},
		{"unknown key", bearer(sign(t, jwa.RS256, k.rsa[3], obj{"kid": "x"}, claims(neonClaims))), 401, CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := v.Identify(context.Background(), tt.auth)
			if tt.status == 0 {
				wantRole(t, id, err, tt.code)
				return
			}
			wantError(t, err, tt.status, tt.code)
		})
	}
}

// TestProvidersSharedKey publishes one key for two providers that differ
// only in audience: a token is accepted when either provider's checks pass.
func TestProvidersSharedKey(t *testing.T) {
	t.Parallel()
	k := keys(t)
	set := jwkSet(t, jwkSpec{pub: k.ed.Public(), kid: "shared"})
	v := newVerifier(t, Config{
		JWKS:     set,
		Audience: "first",
		Providers: []Provider{
			{JWKS: set, Audience: []string{"second"}, DefaultRole: "second_role"},
		},
		DefaultRole: "first_role",
	})
	tok := func(aud string) string {
		return bearer(sign(t, jwa.EdDSA, k.ed, obj{"kid": "shared"}, claims(obj{"aud": aud, "role": nil})))
	}
	id, err := v.Identify(context.Background(), tok("first"))
	wantRole(t, id, err, "first_role")
	id, err = v.Identify(context.Background(), tok("second"))
	wantRole(t, id, err, "second_role")
	_, err = v.Identify(context.Background(), tok("third"))
	wantError(t, err, 401, CodeInvalidClaims)
}

// TestProvidersRotation rotates the keys of one of two JWKS providers: the
// unknown kid makes both refresh once, and the new key works at once.
func TestProvidersRotation(t *testing.T) {
	t.Parallel()
	k := keys(t)
	a := newJWKSServer(t, jwkSet(t, jwkSpec{pub: &k.rsa[0].PublicKey, kid: "a1"}))
	b := newJWKSServer(t, jwkSet(t, jwkSpec{pub: &k.ec.PublicKey, kid: "b1"}))
	v := newVerifier(t, Config{
		Providers:          []Provider{{JWKSURL: a.URL, Issuer: "a"}, {JWKSURL: b.URL, Issuer: "b"}},
		MinRefreshInterval: time.Millisecond,
	})
	time.Sleep(5 * time.Millisecond)

	b.publish(jwkSet(t, jwkSpec{pub: &k.ec.PublicKey, kid: "b1"}, jwkSpec{pub: k.ed.Public(), kid: "b2"}))
	tok := bearer(sign(t, jwa.EdDSA, k.ed, obj{"kid": "b2"}, claims(obj{"iss": "b"})))
	id, err := v.Identify(context.Background(), tok)
	wantRole(t, id, err, "authenticated")
	if a.hits.Load() != 2 || b.hits.Load() != 2 {
		t.Fatalf("fetches: a %d, b %d; want 2 each", a.hits.Load(), b.hits.Load())
	}
}

// TestProvidersReady names the JWKS URL that has no keys.
func TestProvidersReady(t *testing.T) {
	t.Parallel()
	k := keys(t)
	up := newJWKSServer(t, jwkSet(t, jwkSpec{pub: k.ed.Public(), kid: "up"}))
	down := newJWKSServer(t, nil)
	down.down.Store(true)
	v := newVerifier(t, Config{Providers: []Provider{{JWKSURL: up.URL}, {JWKSURL: down.URL}}})

	err := v.Ready()
	if err == nil || !strings.Contains(err.Error(), down.URL) || strings.Contains(err.Error(), up.URL) {
		t.Fatalf("Ready = %v, want an error naming only %s", err, down.URL)
	}
	// A token of the working provider is served meanwhile.
	id, err := v.Identify(context.Background(), bearer(sign(t, jwa.EdDSA, k.ed, obj{"kid": "up"}, claims(nil))))
	wantRole(t, id, err, "authenticated")
}

func TestProvidersConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"no key", Config{Providers: []Provider{{Issuer: "x"}}}, "Providers[0]"},
		{"short secret", Config{Providers: []Provider{{JWKS: []byte("{}")}, {Secret: []byte("short")}}}, "Providers[1].Secret"},
		{"bad url", Config{Providers: []Provider{{JWKSURL: "ftp://x"}}}, "Providers[0].JWKSURL"},
		{"empty audience", Config{Providers: []Provider{{Secret: testSecret, Audience: []string{""}}}}, "Providers[0].Audience"},
		{"bad default role", Config{Providers: []Provider{{Secret: testSecret, DefaultRole: strings.Repeat("r", 64)}}}, "Providers[0].DefaultRole"},
		{"bad role path", Config{Providers: []Provider{{Secret: testSecret, RoleClaimKey: "role"}}}, "Providers[0].RoleClaimKey"},
		{"bad inline JWKS", Config{Providers: []Provider{{JWKS: []byte(`{"keys":[]}`)}}}, "Providers[0].JWKS"},
		{"bad PEM", Config{Providers: []Provider{{PEM: []byte("nope")}}}, "Providers[0].PEM"},
		{"bad denied role", Config{DeniedRoles: []string{""}}, "DeniedRoles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := New(context.Background(), tt.cfg)
			if err == nil {
				v.Close()
				t.Fatal("New accepted the config")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("error %v, want a ConfigError for %s", err, tt.field)
			}
		})
	}
}

// TestDeniedRoles refuses the login role even when the allow-list has it.
func TestDeniedRoles(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{
		Secret:       testSecret,
		AllowedRoles: []string{"authenticated", "authenticator"},
		DeniedRoles:  []string{"authenticator"},
	})
	tok := func(role string) string {
		return bearer(sign(t, jwa.HS256, testSecret, nil, claims(obj{"role": role})))
	}
	_, err := v.Identify(context.Background(), tok("authenticator"))
	wantError(t, err, 401, CodeInvalidClaims)
	id, err := v.Identify(context.Background(), tok("authenticated"))
	wantRole(t, id, err, "authenticated")
}

// TestMalformedHeader answers a header that is not "Bearer <token>" with
// 400 and an invalid_request challenge.
func TestMalformedHeader(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{Secret: testSecret, AnonRole: "anon"})
	valid := sign(t, jwa.HS256, testSecret, nil, claims(nil))
	for _, auth := range []string{
		"Bearer a b", "Bearer " + valid + " " + valid, "Bearer a\tb", "Bearer " + valid + "\x01",
		"Bearer " + valid[:10] + "\x7f" + valid[10:], "Bearer é." + valid,
	} {
		_, err := v.Identify(context.Background(), auth)
		e := wantError(t, err, 400, CodeMalformedHeader)
		if got := e.WWWAuthenticate(); !strings.HasPrefix(got, `Bearer error="invalid_request"`) {
			t.Fatalf("%q: WWW-Authenticate = %q", auth, got)
		}
	}
	// Visible characters a JWT cannot hold are a bad token, not a bad header.
	_, err := v.Identify(context.Background(), `Bearer "x".y.z`)
	wantError(t, err, 401, CodeInvalidToken)
}
