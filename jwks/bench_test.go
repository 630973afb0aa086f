package jwks

import (
	"context"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// BenchmarkIdentify measures Identify per algorithm with the verified-token
// cache on (every call after the first is a hit) and off.
func BenchmarkIdentify(b *testing.B) {
	k := keys(b)
	set := jwkSet(b,
		jwkSpec{pub: &k.rsa[0].PublicKey, kid: "rsa"},
		jwkSpec{pub: &k.ec.PublicKey, kid: "ec"},
		jwkSpec{pub: k.ed.Public(), kid: "ed"})
	tokens := []struct {
		name string
		tok  string
	}{
		{"RS256", sign(b, jwa.RS256, k.rsa[0], map[string]any{"kid": "rsa"}, claims(nil))},
		{"ES256", sign(b, jwa.ES256, k.ec, map[string]any{"kid": "ec"}, claims(nil))},
		{"EdDSA", sign(b, jwa.EdDSA, k.ed, map[string]any{"kid": "ed"}, claims(nil))},
		{"HS256", sign(b, jwa.HS256, testSecret, nil, claims(nil))},
	}
	modes := []struct {
		name    string
		entries int
	}{{"cache", 1000}, {"nocache", 0}}

	for _, tt := range tokens {
		b.Run(tt.name, func(b *testing.B) {
			for _, m := range modes {
				b.Run(m.name, func(b *testing.B) {
					v := newVerifier(b, Config{Secret: testSecret, JWKS: set, CacheMaxEntries: m.entries})
					ctx, auth := context.Background(), bearer(tt.tok)
					b.ReportAllocs()
					for b.Loop() {
						if _, err := v.Identify(ctx, auth); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkIdentifyProviders measures an EdDSA token of the last of four
// providers, each with its own issuer, without the cache: the cost of
// finding the right provider next to the signature check.
func BenchmarkIdentifyProviders(b *testing.B) {
	k := keys(b)
	providers := []Provider{
		{JWKS: jwkSet(b, jwkSpec{pub: &k.rsa[0].PublicKey, kid: "p1"}), Issuer: "one"},
		{JWKS: jwkSet(b, jwkSpec{pub: &k.ec.PublicKey, kid: "p2"}), Issuer: "two"},
		{Secret: testSecret, Issuer: "three"},
		{JWKS: jwkSet(b, jwkSpec{pub: k.ed.Public(), kid: "p4"}), Issuer: "four", Audience: []string{"api"}},
	}
	tok := sign(b, jwa.EdDSA, k.ed, map[string]any{"kid": "p4"},
		claims(map[string]any{"iss": "four", "aud": "api"}))
	v := newVerifier(b, Config{Providers: providers})
	ctx, auth := context.Background(), bearer(tok)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Identify(ctx, auth); err != nil {
			b.Fatal(err)
		}
	}
}
