package jwks

import (
	"context"
	"strings"
	"testing"
)

// TestKeyPairSignRaw checks that raw-signed tokens verify against the
// key's JWKS and PEM forms, with or without a kid.
func TestKeyPairSignRaw(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		kp, err := GenerateKeyPair(alg, "kid-"+alg)
		if err != nil {
			t.Fatal(err)
		}
		pemBytes, err := kp.PublicPEM()
		if err != nil || !strings.HasPrefix(string(pemBytes), "-----BEGIN PUBLIC KEY-----") {
			t.Fatalf("%s: PublicPEM = %q, %v", alg, pemBytes, err)
		}
		byJWKS := newVerifier(t, Config{JWKS: kp.PublicJWKS()})
		byPEM := newVerifier(t, Config{PEM: pemBytes})

		withKid, err := kp.SignRaw(nil, []byte(`{"role":"a"}`))
		if err != nil {
			t.Fatal(err)
		}
		noKid, err := kp.SignRaw(map[string]any{"kid": nil}, []byte(`{"role":"b"}`))
		if err != nil {
			t.Fatal(err)
		}
		id, err := byJWKS.Identify(context.Background(), bearer(withKid))
		wantRole(t, id, err, "a")
		id, err = byJWKS.Identify(context.Background(), bearer(noKid))
		wantRole(t, id, err, "b")
		id, err = byPEM.Identify(context.Background(), bearer(noKid))
		wantRole(t, id, err, "b")

		// A header naming another algorithm does not change the signature.
		lying, err := kp.SignRaw(map[string]any{"alg": "HS256"}, []byte(`{"role":"c"}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = byJWKS.Identify(context.Background(), bearer(lying))
		wantError(t, err, 401, CodeInvalidToken)
	}
}
