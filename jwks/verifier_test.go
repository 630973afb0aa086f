package jwks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// TestAlgorithms verifies a token per algorithm through each key source.
func TestAlgorithms(t *testing.T) {
	t.Parallel()
	k := keys(t)
	published := jwkSet(t,
		jwkSpec{pub: &k.rsa[0].PublicKey, kid: "rsa"},
		jwkSpec{pub: &k.ec.PublicKey, kid: "ec", alg: jwa.ES256},
		jwkSpec{pub: &k.ec384.PublicKey, kid: "ec384"},
		jwkSpec{pub: k.ed.Public(), kid: "ed"},
		jwkSpec{pub: &k.rsa[3].PublicKey, kid: "enc", use: "enc"},
	)
	srv := newJWKSServer(t, published)

	sources := map[string]Config{
		"url":    {JWKSURL: srv.URL},
		"inline": {JWKS: published},
	}
	tests := []struct {
		alg  jwa.SignatureAlgorithm
		priv any
		kid  string
	}{
		{jwa.RS256, k.rsa[0], "rsa"},
		{jwa.RS512, k.rsa[0], "rsa"},
		{jwa.PS256, k.rsa[0], "rsa"},
		{jwa.ES256, k.ec, "ec"},
		{jwa.ES384, k.ec384, "ec384"},
		{jwa.EdDSA, k.ed, "ed"},
		{jwa.EdDSA, k.ed, ""},
	}
	for name, cfg := range sources {
		v := newVerifier(t, cfg)
		if err := v.Ready(); err != nil {
			t.Fatalf("%s: Ready: %v", name, err)
		}
		for _, tt := range tests {
			t.Run(name+"/"+tt.alg.String()+"/"+tt.kid, func(t *testing.T) {
				id, err := v.Identify(context.Background(), bearer(sign(t, tt.alg, tt.priv, map[string]any{"kid": tt.kid}, claims(nil))))
				wantRole(t, id, err, "authenticated")
			})
		}
		t.Run(name+"/use enc is not for signatures", func(t *testing.T) {
			_, err := v.Identify(context.Background(), bearer(sign(t, jwa.RS256, k.rsa[3], map[string]any{"kid": "enc"}, claims(nil))))
			wantError(t, err, 401, CodeInvalidToken)
		})
	}

	t.Run("HS256 secret", func(t *testing.T) {
		v := newVerifier(t, Config{Secret: testSecret})
		for _, alg := range []jwa.SignatureAlgorithm{jwa.HS256, jwa.HS384, jwa.HS512} {
			id, err := v.Identify(context.Background(), bearer(sign(t, alg, testSecret, nil, claims(nil))))
			wantRole(t, id, err, "authenticated")
		}
		_, err := v.Identify(context.Background(), bearer(sign(t, jwa.HS256, append([]byte("x"), testSecret...), nil, claims(nil))))
		wantError(t, err, 401, CodeInvalidToken)
	})

	t.Run("PEM", func(t *testing.T) {
		v := newVerifier(t, Config{PEM: append(pemOf(t, &k.rsa[1].PublicKey), pemOf(t, k.ed.Public())...)})
		id, err := v.Identify(context.Background(), bearer(sign(t, jwa.RS384, k.rsa[1], nil, claims(nil))))
		wantRole(t, id, err, "authenticated")
		id, err = v.Identify(context.Background(), bearer(sign(t, jwa.EdDSA, k.ed, map[string]any{"kid": "any"}, claims(nil))))
		wantRole(t, id, err, "authenticated")
	})

	t.Run("no key source", func(t *testing.T) {
		v := newVerifier(t, Config{AnonRole: "anon"})
		_, err := v.Identify(context.Background(), bearer(sign(t, jwa.HS256, testSecret, nil, claims(nil))))
		wantError(t, err, 500, CodeNoSecret)
	})
}

// TestIssuerLibraryToken checks a token minted by jwx's jwt package, as a
// typical issuer would.
func TestIssuerLibraryToken(t *testing.T) {
	t.Parallel()
	k := keys(t)
	priv, err := jwk.FromRaw(k.rsa[0])
	if err != nil {
		t.Fatal(err)
	}
	_ = priv.Set(jwk.KeyIDKey, "issuer-key")

	tok, err := jwt.NewBuilder().
		Issuer("https://issuer.test").Audience([]string{"api", "web"}).Subject("user-1").
		IssuedAt(time.Now()).Expiration(time.Now().Add(time.Minute)).
		Claim("app_metadata", map[string]any{"role": "editor"}).Build()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv))
	if err != nil {
		t.Fatal(err)
	}

	srv := newJWKSServer(t, jwkSet(t, jwkSpec{pub: &k.rsa[0].PublicKey, kid: "issuer-key", alg: jwa.RS256}))
	v := newVerifier(t, Config{JWKSURL: srv.URL, Audience: "web", Issuer: "https://issuer.test", RoleClaimKey: "$.app_metadata.role"})
	id, err := v.Identify(context.Background(), bearer(string(signed)))
	wantRole(t, id, err, "editor")
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	k := keys(t)
	tests := []struct {
		field string
		cfg   Config
	}{
		{"Secret", Config{Secret: []byte("short")}},
		{"JWKSURL", Config{JWKSURL: "ftp://127.0.0.1/jwks"}},
		{"JWKSURL", Config{JWKSURL: "/relative"}},
		{"JWKS", Config{JWKS: []byte(`{"keys":[`)}},
		{"JWKS", Config{JWKS: jwkSet(t, jwkSpec{pub: &k.rsa[0].PublicKey, use: "enc"})}},
		{"JWKS", Config{JWKS: []byte(`{"kty":"oct","k":"c2hvcnQ"}`)}},
		{"PEM", Config{PEM: []byte("-----BEGIN NONSENSE-----\nAAAA\n-----END NONSENSE-----\n")}},
		{"PEM", Config{PEM: []byte("not pem")}},
		{"AnonRole", Config{AnonRole: "a\x00b"}},
		{"DefaultRole", Config{DefaultRole: string(make([]byte, 64))}},
		{"AllowedRoles", Config{AllowedRoles: []string{"ok", ""}}},
		{"Leeway", Config{Leeway: -time.Second}},
		{"CacheMaxEntries", Config{CacheMaxEntries: -1}},
		{"CacheMaxLifetime", Config{CacheMaxLifetime: -1}},
		{"RefreshInterval", Config{RefreshInterval: time.Millisecond}},
		{"MinRefreshInterval", Config{MinRefreshInterval: -1}},
		{"MaxStaleness", Config{MaxStaleness: -1}},
		{"RoleClaimKey", Config{RoleClaimKey: "role"}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			t.Parallel()
			tt.cfg.Logger = quietLogger()
			_, err := New(context.Background(), tt.cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Fatalf("New error = %v, want ConfigError for %s", err, tt.field)
			}
		})
	}
}

func TestVerifyHook(t *testing.T) {
	t.Parallel()
	type event struct{ outcome, reason string }
	var got []event
	v := newVerifier(t, Config{
		Secret: testSecret, AnonRole: "anon", CacheMaxEntries: 10,
		OnVerify: func(o, r string) { got = append(got, event{o, r}) },
	})
	tok := bearer(sign(t, jwa.HS256, testSecret, nil, claims(nil)))
	_, _ = v.Identify(context.Background(), "")
	_, _ = v.Identify(context.Background(), tok)
	_, _ = v.Identify(context.Background(), tok)
	_, _ = v.Identify(context.Background(), bearer(sign(t, jwa.HS256, testSecret, nil, claims(map[string]any{"exp": 1}))))
	want := []event{{"ok", "anonymous"}, {"ok", "verified"}, {"ok", "cached"}, {"rejected", "expired"}}
	if len(got) != len(want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events = %v, want %v", got, want)
		}
	}
}
