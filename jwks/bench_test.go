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
