package jwks

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// TestIdentifyHostile feeds forged, malformed and out-of-policy tokens to a
// verifier with several key sources and checks the exact status and code.
func TestIdentifyHostile(t *testing.T) {
	t.Parallel()
	k := keys(t)
	good, other := k.rsa[0], k.rsa[1]
	pemBytes := pemOf(t, &good.PublicKey)
	jwkBytes := jwkSet(t, jwkSpec{pub: &good.PublicKey, kid: "k1", alg: jwa.RS256})

	// An attacker's JWKS server: a verifier that followed jku/x5u would call it.
	attacker := newJWKSServer(t, jwkSet(t, jwkSpec{pub: &other.PublicKey, kid: "evil"}))

	v := newVerifier(t, Config{
		Secret: testSecret,
		JWKS: jwkSet(t,
			jwkSpec{pub: &good.PublicKey, kid: "k1", alg: jwa.RS256},
			jwkSpec{pub: &k.ec.PublicKey, kid: "e1"}),
		PEM:          pemOf(t, &k.rsa[2].PublicKey),
		Audience:     "api",
		Issuer:       "https://issuer.test",
		AnonRole:     "anon",
		AllowedRoles: []string{"authenticated", "anon", "admin"},
	})

	now := float64(time.Now().Unix())
	ok := func(extra obj) obj {
		return claims(merge(obj{"aud": "api", "iss": "https://issuer.test"}, extra))
	}
	rs := func(hdr obj, payload any) string {
		return sign(t, jwa.RS256, good, merge(obj{"kid": "k1"}, hdr), payload)
	}
	valid := rs(nil, ok(nil))
	okJSON := mustJSON(t, ok(nil))
	// with is a bearer token signed by the pinned key, with claims changed.
	with := func(extra obj) string { return bearer(rs(nil, ok(extra))) }
	// signed is a bearer token signed by the pinned key over raw bytes.
	signed := func(payload string) string { return bearer(rs(nil, []byte(payload))) }
	// by is a bearer token signed with any key and header.
	by := func(alg jwa.SignatureAlgorithm, priv any, hdr obj) string {
		return bearer(sign(t, alg, priv, hdr, ok(nil)))
	}
	// unsigned is a bearer token assembled from a raw header and signature.
	unsigned := func(hdr, sig string) string {
		return bearer(b64([]byte(hdr)) + "." + b64(okJSON) + "." + sig)
	}
	evilJWK := mustRaw(t, jwkSet(t, jwkSpec{pub: &other.PublicKey}))

	// Cleanups run after every parallel case has finished.
	t.Cleanup(func() {
		if n := attacker.hits.Load(); n != 0 {
			t.Errorf("attacker JWKS server was called %d times", n)
		}
	})

	tests := []struct {
		name   string
		auth   string
		status int    // 0: success
		code   string // or the expected role on success
	}{
		// Algorithm confusion and refused algorithms.
		{"alg none", unsigned(`{"alg":"none","typ":"JWT"}`, ""), 401, CodeInvalidToken},
		{"alg None mixed case", unsigned(`{"alg":"None"}`, ""), 401, CodeInvalidToken},
		{"alg missing", unsigned(`{"typ":"JWT"}`, "c2ln"), 401, CodeInvalidToken},
		{"alg not a string", unsigned(`{"alg":256}`, "c2ln"), 401, CodeInvalidToken},
		{"HS256 keyed with RSA public PEM", by(jwa.HS256, pemBytes, nil), 401, CodeInvalidToken},
		{"HS256 keyed with RSA public PEM and kid", by(jwa.HS256, pemBytes, obj{"kid": "k1"}), 401, CodeInvalidToken},
		{"HS256 keyed with RSA JWK JSON", by(jwa.HS256, jwkBytes, nil), 401, CodeInvalidToken},
		{"PS256 with a key pinned to RS256", by(jwa.PS256, good, obj{"kid": "k1"}), 401, CodeInvalidToken},
		{"ES384 with a P-256 key", by(jwa.ES384, k.ec384, obj{"kid": "e1"}), 401, CodeInvalidToken},

		// Tampering.
		{"tampered payload", bearer(tamper(valid, 1, b64(mustJSON(t, ok(obj{"role": "admin"}))))), 401, CodeInvalidToken},
		{"tampered header", bearer(tamper(valid, 0, b64([]byte(`{"alg":"RS256","kid":"k1","x":1}`)))), 401, CodeInvalidToken},
		{"truncated signature", bearer(valid[:len(valid)-4]), 401, CodeInvalidToken},
		{"signature stripped", bearer(tamper(valid, 2, "")), 401, CodeInvalidToken},

		// Key selection.
		{"wrong kid, unknown key", by(jwa.RS256, other, obj{"kid": "nope"}), 401, CodeInvalidToken},
		{"wrong kid, right key", by(jwa.RS256, good, obj{"kid": "nope"}), 401, CodeInvalidToken},
		{"kid not a string", by(jwa.RS256, good, obj{"kid": 7}), 401, CodeInvalidToken},
		{"absent kid, right key", by(jwa.RS256, good, nil), 0, "authenticated"},
		{"absent kid, PEM key", by(jwa.RS256, k.rsa[2], nil), 0, "authenticated"},
		{"absent kid, unknown key", by(jwa.RS256, other, nil), 401, CodeInvalidToken},
		{"HS256 by secret", by(jwa.HS256, testSecret, nil), 0, "authenticated"},
		{"EdDSA with no OKP key", by(jwa.EdDSA, k.ed, nil), 401, CodeInvalidToken},
		{"jku header not followed", by(jwa.RS256, other, obj{"kid": "evil", "jku": attacker.URL}), 401, CodeInvalidToken},
		{"x5u header not followed", by(jwa.RS256, other, obj{"x5u": attacker.URL}), 401, CodeInvalidToken},
		{"embedded jwk not trusted", by(jwa.RS256, other, obj{"jwk": evilJWK}), 401, CodeInvalidToken},
		{"crit header refused", bearer(rs(obj{"crit": []string{"exp"}, "exp": 1}, ok(nil))), 401, CodeInvalidToken},
		{"b64 header refused", bearer(rs(obj{"b64": false, "crit": []string{"b64"}}, ok(nil))), 401, CodeInvalidToken},

		// Time claims.
		{"valid", bearer(valid), 0, "authenticated"},
		{"expired", with(obj{"exp": now - 100}), 401, CodeInvalidClaims},
		{"expired within leeway", with(obj{"exp": now - 10}), 0, "authenticated"},
		{"nbf in future", with(obj{"nbf": now + 100}), 401, CodeInvalidClaims},
		{"nbf within leeway", with(obj{"nbf": now + 10}), 0, "authenticated"},
		{"iat in future", with(obj{"iat": now + 100}), 401, CodeInvalidClaims},
		{"float exp ok", with(obj{"exp": now + 100.5}), 0, "authenticated"},
		{"float exp expired", with(obj{"exp": now - 100.5}), 401, CodeInvalidClaims},
		{"exp as string", with(obj{"exp": "9999999999"}), 401, CodeInvalidClaims},
		{"nbf as bool", with(obj{"nbf": true}), 401, CodeInvalidClaims},
		{"iat as null", with(obj{"iat": jsonNull{}}), 401, CodeInvalidClaims},
		{"exp overflowing float", signed(`{"aud":"api","iss":"https://issuer.test","role":"authenticated","exp":1e400}`), 401, CodeInvalidClaims},
		{"no exp at all", with(obj{"exp": nil}), 0, "authenticated"},

		// Audience and issuer.
		{"wrong aud", with(obj{"aud": "other"}), 401, CodeInvalidClaims},
		{"aud array containing", with(obj{"aud": []string{"x", "api"}}), 0, "authenticated"},
		{"aud array without", with(obj{"aud": []string{"x", "y"}}), 401, CodeInvalidClaims},
		{"aud array with number", with(obj{"aud": []any{"api", 3}}), 401, CodeInvalidClaims},
		{"aud missing", with(obj{"aud": nil}), 401, CodeInvalidClaims},
		{"wrong iss", with(obj{"iss": "https://evil.test"}), 401, CodeInvalidClaims},
		{"iss missing", with(obj{"iss": nil}), 401, CodeInvalidClaims},

		// Malformed input.
		{"huge token", with(obj{"pad": strings.Repeat("x", maxTokenBytes)}), 401, CodeInvalidToken},
		{"garbage", bearer("garbage"), 401, CodeInvalidToken},
		{"two parts", bearer("abc.def"), 401, CodeInvalidToken},
		{"four parts", bearer(valid + ".x"), 401, CodeInvalidToken},
		{"broken base64 header", bearer(tamper(valid, 0, "!!!")), 401, CodeInvalidToken},
		{"broken base64 payload", bearer(tamper(valid, 1, "a*b")), 401, CodeInvalidToken},
		{"broken base64 signature", bearer(tamper(valid, 2, "%%%")), 401, CodeInvalidToken},
		{"padded base64", bearer(tamper(valid, 0, b64([]byte(`{"alg":"RS256","kid":"k1","typ":"JWT"}`))+"==")), 401, CodeInvalidToken},
		{"broken JSON header", unsigned(`{"alg":"RS256",`, "c2ln"), 401, CodeInvalidToken},
		{"header is an array", unsigned(`["RS256"]`, "c2ln"), 401, CodeInvalidToken},
		{"broken JSON payload, signed", signed(`{"role":"authenticated",`), 401, CodeInvalidClaims},
		{"payload is an array, signed", signed(`["authenticated"]`), 401, CodeInvalidClaims},
		{"payload with trailing data, signed", signed(`{"aud":"api"} {}`), 401, CodeInvalidClaims},
		{"payload not UTF-8, signed", bearer(rs(nil, []byte("{\"aud\":\"api\",\"x\":\"\xff\"}"))), 401, CodeInvalidClaims},

		// Roles.
		{"role number", with(obj{"role": 5}), 401, CodeInvalidToken},
		{"role object", with(obj{"role": obj{"a": 1}}), 401, CodeInvalidToken},
		{"role null", with(obj{"role": jsonNull{}}), 401, CodeInvalidToken},
		{"role empty", with(obj{"role": ""}), 401, CodeInvalidToken},
		{"role too long", with(obj{"role": strings.Repeat("r", 64)}), 401, CodeInvalidToken},
		// Refused before the role is read: jsonb cannot hold \u0000.
		{"role with NUL", with(obj{"role": "adm\x00in"}), 401, CodeInvalidClaims},
		{"role not allowed", with(obj{"role": "postgres"}), 401, CodeInvalidClaims},
		{"role none resets to the login user", with(obj{"role": "none"}), 401, CodeInvalidClaims},
		{"role None", with(obj{"role": "None"}), 401, CodeInvalidClaims},
		{"role allowed", with(obj{"role": "admin"}), 0, "admin"},
		{"no role falls back to anon", with(obj{"role": nil}), 0, "anon"},

		// Schemes.
		{"no header", "", 0, "anon"},
		{"basic scheme is no token", "Basic dXNlcjpwYXNz", 0, "anon"},
		{"bearer lower case", "bearer " + valid, 0, "authenticated"},
		{"BEARER and extra spaces", "  BEARER   " + valid + "  ", 0, "authenticated"},
		{"bearer without token", "Bearer", 401, CodeInvalidToken},
		{"bearer with blank token", "Bearer    ", 401, CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := v.Identify(context.Background(), tt.auth)
			if tt.status == 0 {
				wantRole(t, id, err, tt.code)
				return
			}
			e := wantError(t, err, tt.status, tt.code)
			if id != nil {
				t.Fatalf("identity %+v returned with error", id)
			}
			challenge := e.WWWAuthenticate()
			if !strings.HasPrefix(challenge, `Bearer error="invalid_token"`) {
				t.Fatalf("WWW-Authenticate = %q", challenge)
			}
		})
	}
}

// obj is a JSON object under construction.
type obj = map[string]any

// jsonNull marshals as JSON null, so a claim can be present and null.
type jsonNull struct{}

func (jsonNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

func merge(a, b obj) obj {
	out := make(obj, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustRaw decodes the first key of a JWK Set JSON into a generic object.
func mustRaw(t testing.TB, set []byte) obj {
	t.Helper()
	var s struct {
		Keys []obj `json:"keys"`
	}
	if err := json.Unmarshal(set, &s); err != nil || len(s.Keys) == 0 {
		t.Fatalf("bad set: %v", err)
	}
	return s.Keys[0]
}
