package test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rowgate/rowgate/jwks"
)

// The JWT end-to-end tests: hostile tokens against the shared gateway,
// several providers at once and key rotation on gateways of their own.
// Each case asserts the exact status and error code.

// jwtFixtureOnce loads testdata/jwt.sql into the shared database and makes
// the shared gateway reload its schema cache.
var jwtFixtureOnce struct {
	sync.Once
	err error
}

// jwtFixture makes sure the jwt_whoami view is served by the shared gateway.
func jwtFixture(t *testing.T) {
	t.Helper()
	jwtFixtureOnce.Do(func() {
		if err := execFile(context.Background(), env.adminURI, "testdata/jwt.sql"); err != nil {
			jwtFixtureOnce.err = err
			return
		}
		// SIGUSR1 reloads the schema cache; wait until the view is served.
		if err := env.gw.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
			jwtFixtureOnce.err = err
			return
		}
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			r, err := doCall(http.MethodGet, env.gw.base+"/jwt_whoami", "", "")
			if err == nil && r.Status == http.StatusOK {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		jwtFixtureOnce.err = fmt.Errorf("jwt_whoami not served after a schema reload")
	})
	if jwtFixtureOnce.err != nil {
		t.Fatal(jwtFixtureOnce.err)
	}
}

// whoami is a row of jwt_whoami.
type whoami struct {
	Role      string          `json:"role"`
	UID       *string         `json:"uid"`
	UserID    *string         `json:"user_id"`
	Claims    json.RawMessage `json:"claims"`
	RawClaims string          `json:"raw_claims"`
}

// whoamiAs asks base who the bearer of authorization is.
func whoamiAs(t *testing.T, base, authorization string) whoami {
	t.Helper()
	r := getWithAuth(t, base+"/jwt_whoami", authorization)
	if r.Status != http.StatusOK {
		t.Fatalf("whoami: %d %s", r.Status, r.Body)
	}
	var rows []whoami
	r.JSON(t, &rows)
	if len(rows) != 1 {
		t.Fatalf("whoami: %s", r.Body)
	}
	return rows[0]
}

// getWithAuth sends GET target with the Authorization header set to
// exactly authorization (none when "").
func getWithAuth(t testing.TB, target, authorization string) *reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header["Authorization"] = []string{authorization}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &reply{Status: resp.StatusCode, Header: resp.Header, Body: body}
}

// rawGet writes a GET request byte for byte on a new connection, for
// headers Go's client refuses to send, and reads the response.
func rawGet(t *testing.T, base, path string, headerLines ...string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	b.WriteString("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
	for _, h := range headerLines {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	// The server may answer and close before it has read everything.
	_, _ = io.WriteString(conn, b.String())
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// expectJWTError checks status, code and the WWW-Authenticate challenge
// that goes with them, and that nothing of marker is echoed.
func expectJWTError(t *testing.T, r *reply, status int, code, marker string) {
	t.Helper()
	expectError(t, r, status, code)
	challenge := r.Header.Get("WWW-Authenticate")
	switch {
	case status == 400 && code == jwks.CodeMalformedHeader:
		if !strings.HasPrefix(challenge, `Bearer error="invalid_request", error_description="`) {
			t.Fatalf("WWW-Authenticate = %q", challenge)
		}
	case status == 401 && strings.HasPrefix(code, "PGRST30"):
		if !strings.HasPrefix(challenge, `Bearer error="invalid_token", error_description="`) {
			t.Fatalf("WWW-Authenticate = %q", challenge)
		}
	case status == 401:
		if !strings.HasPrefix(challenge, "Bearer") {
			t.Fatalf("WWW-Authenticate = %q", challenge)
		}
	}
	if marker == "" {
		return
	}
	if strings.Contains(string(r.Body), marker) {
		t.Fatalf("body echoes token content: %s", r.Body)
	}
	for k, vs := range r.Header {
		if strings.Contains(strings.Join(vs, " "), marker) {
			t.Fatalf("header %s echoes token content: %q", k, vs)
		}
	}
}

// newMarker returns a string that appears nowhere but where a test puts it.
func newMarker() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "zqmark" + hex.EncodeToString(b)
}

// b64url encodes without padding.
func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// hs256 signs a token with an HMAC key of the attacker's choosing.
func hs256(header, payload string, secret []byte) string {
	input := b64url([]byte(header)) + "." + b64url([]byte(payload))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + b64url(mac.Sum(nil))
}

// claimsJSON returns a claim set for the shared gateway valid for an hour,
// changed by extra (a nil value removes a claim).
func claimsJSON(t testing.TB, extra map[string]any) []byte {
	t.Helper()
	now := time.Now().Unix()
	c := map[string]any{"sub": userA, "aud": audience, "iat": now, "exp": now + 3600}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signRaw signs payload with kp under a header changed by hdr.
func signRaw(t testing.TB, kp *jwks.KeyPair, hdr map[string]any, payload []byte) string {
	t.Helper()
	tok, err := kp.SignRaw(hdr, payload)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// withPart replaces one dot-separated part of a token.
func withPart(tok string, i int, part string) string {
	p := strings.Split(tok, ".")
	p[i] = part
	return strings.Join(p, ".")
}

// TestJWTHostile sends forged, malformed and out-of-policy tokens to the
// shared gateway (real JWKS server, real database) and checks the exact
// answer of each; afterwards the gateway's log must hold nothing of them.
func TestJWTHostile(t *testing.T) {
	t.Parallel()
	marker := newMarker()
	now := time.Now().Unix()
	nowF := float64(now)

	// Keys: the harness's published RS256 key, and one nobody publishes.
	stranger, err := jwks.GenerateKeyPair("RS256", "stranger-"+marker)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := env.key.PublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	pubJWKS := env.key.PublicJWKS()

	// An attacker's JWKS server: following jku or x5u would call it.
	var attackerHits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		_, _ = w.Write(stranger.PublicJWKS())
	}))
	defer attacker.Close()

	// Claim sets; every one carries the marker somewhere.
	good := claimsJSON(t, map[string]any{"email": marker + "@example.com"})
	with := func(extra map[string]any) []byte {
		return claimsJSON(t, mergeClaims(map[string]any{"email": marker + "@example.com"}, extra))
	}
	// signed is a token by the published key; by is one by any key.
	signed := func(hdr map[string]any, payload []byte) string { return signRaw(t, env.key, hdr, payload) }
	valid := signed(nil, good)
	bearer := func(tok string) string { return "Bearer " + tok }
	hdrJSON := func(alg string) string { return `{"alg":"` + alg + `","typ":"JWT","kid":"test-key-1"}` }

	tests := []struct {
		name   string
		auth   string
		status int
		code   string
	}{
		// The baseline.
		{"valid", bearer(valid), 200, ""},
		{"no token", "", 200, ""},
		{"other scheme is no token", "Basic " + b64url([]byte(marker)), 200, ""},

		// Refused algorithms and algorithm confusion.
		{"alg none", bearer(b64url([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64url(good) + "."), 401, "PGRST301"},
		{"alg None", bearer(b64url([]byte(`{"alg":"None"}`)) + "." + b64url(good) + "."), 401, "PGRST301"},
		{"alg none with signature", bearer(b64url([]byte(`{"alg":"none"}`)) + "." + b64url(good) + "." + b64url([]byte(marker))), 401, "PGRST301"},
		{"HS256 keyed with the RSA public PEM", bearer(hs256(hdrJSON("HS256"), string(good), pubPEM)), 401, "PGRST301"},
		{"HS256 keyed with the JWKS document", bearer(hs256(hdrJSON("HS256"), string(good), pubJWKS)), 401, "PGRST301"},
		{"HS256 keyed with the RSA public PEM, no kid", bearer(hs256(`{"alg":"HS256"}`, string(good), pubPEM)), 401, "PGRST301"},
		{"RS256 signature relabelled RS512", bearer(signed(map[string]any{"alg": "RS512"}, good)), 401, "PGRST301"},
		{"RS256 signature relabelled PS256", bearer(signed(map[string]any{"alg": "PS256"}, good)), 401, "PGRST301"},

		// Tampering.
		{"tampered payload", bearer(withPart(valid, 1, b64url(with(map[string]any{"sub": userB})))), 401, "PGRST301"},
		{"tampered payload role", bearer(withPart(valid, 1, b64url(with(map[string]any{"role": "postgres"})))), 401, "PGRST301"},
		{"tampered header", bearer(withPart(valid, 0, b64url([]byte(`{"alg":"RS256","kid":"test-key-1","x":"`+marker+`"}`)))), 401, "PGRST301"},
		{"signature of another token", bearer(withPart(valid, 2, strings.Split(signed(nil, with(map[string]any{"sub": userB})), ".")[2])), 401, "PGRST301"},
		{"truncated signature", bearer(valid[:len(valid)-6]), 401, "PGRST301"},
		{"signature stripped", bearer(withPart(valid, 2, "")), 401, "PGRST301"},

		// Key selection.
		{"wrong kid, unknown key", bearer(signRaw(t, stranger, map[string]any{"kid": "nope-" + marker}, good)), 401, "PGRST301"},
		{"wrong kid, published key", bearer(signed(map[string]any{"kid": "nope-" + marker}, good)), 401, "PGRST301"},
		{"absent kid, published key", bearer(signed(map[string]any{"kid": nil}, good)), 200, ""},
		{"absent kid, unknown key", bearer(signRaw(t, stranger, map[string]any{"kid": nil}, good)), 401, "PGRST301"},
		{"kid not a string", bearer(signed(map[string]any{"kid": 7}, good)), 401, "PGRST301"},
		{"jku not followed", bearer(signRaw(t, stranger, map[string]any{"jku": attacker.URL}, good)), 401, "PGRST301"},
		{"x5u not followed", bearer(signRaw(t, stranger, map[string]any{"x5u": attacker.URL, "kid": nil}, good)), 401, "PGRST301"},
		{"embedded jwk not trusted", bearer(signRaw(t, stranger, map[string]any{"jwk": json.RawMessage(firstJWK(t, stranger.PublicJWKS()))}, good)), 401, "PGRST301"},
		{"unknown crit header", bearer(signed(map[string]any{"crit": []string{"x-" + marker}}, good)), 401, "PGRST301"},

		// Time claims (the leeway is 30 s).
		{"expired", bearer(signed(nil, with(map[string]any{"exp": now - 3600}))), 401, "PGRST303"},
		{"expired, float", bearer(signed(nil, with(map[string]any{"exp": nowF - 100.25}))), 401, "PGRST303"},
		{"expired within leeway", bearer(signed(nil, with(map[string]any{"exp": now - 5}))), 200, ""},
		{"valid, float exp", bearer(signed(nil, with(map[string]any{"exp": nowF + 600.5, "iat": nowF - 0.5}))), 200, ""},
		{"not yet valid", bearer(signed(nil, with(map[string]any{"nbf": now + 3600}))), 401, "PGRST303"},
		{"not yet valid, float", bearer(signed(nil, with(map[string]any{"nbf": nowF + 100.75}))), 401, "PGRST303"},
		{"issued in the future", bearer(signed(nil, with(map[string]any{"iat": now + 3600}))), 401, "PGRST303"},
		{"exp as a string", bearer(signed(nil, with(map[string]any{"exp": fmt.Sprint(now + 3600)}))), 401, "PGRST303"},
		{"exp out of range", bearer(signed(nil, []byte(`{"aud":"`+audience+`","exp":1e400,"sub":"`+marker+`"}`))), 401, "PGRST303"},

		// Audience (jwt-aud is set on the shared gateway).
		{"wrong aud", bearer(signed(nil, with(map[string]any{"aud": "other-" + marker}))), 401, "PGRST303"},
		{"aud missing", bearer(signed(nil, with(map[string]any{"aud": nil}))), 401, "PGRST303"},
		{"aud array holding ours", bearer(signed(nil, with(map[string]any{"aud": []string{marker, audience}}))), 200, ""},
		{"aud array without ours", bearer(signed(nil, with(map[string]any{"aud": []string{marker}}))), 401, "PGRST303"},
		{"aud of a wrong type", bearer(signed(nil, with(map[string]any{"aud": 5}))), 401, "PGRST303"},

		// Size.
		{"large token under the limit", bearer(signed(nil, with(map[string]any{"pad": strings.Repeat("p", 8000)}))), 200, ""},
		{"huge token", bearer(signed(nil, with(map[string]any{"pad": strings.Repeat(marker, 2000)}))), 401, "PGRST301"},

		// Broken encodings.
		{"garbage", bearer(marker), 401, "PGRST301"},
		{"two parts", bearer(marker + "." + marker), 401, "PGRST301"},
		{"four parts", bearer(valid + "." + marker), 401, "PGRST301"},
		{"empty bearer", "Bearer", 401, "PGRST301"},
		{"broken base64 header", bearer(withPart(valid, 0, "!!"+marker)), 401, "PGRST301"},
		{"broken base64 payload", bearer(withPart(valid, 1, "*"+marker)), 401, "PGRST301"},
		{"broken base64 signature", bearer(withPart(valid, 2, "%%"+marker)), 401, "PGRST301"},
		{"padded base64", bearer(withPart(valid, 0, strings.Split(valid, ".")[0]+"==")), 401, "PGRST301"},
		{"broken JSON header", bearer(b64url([]byte(`{"alg":"RS256","kid":"`+marker)) + "." + b64url(good) + ".c2ln"), 401, "PGRST301"},
		{"header not an object", bearer(b64url([]byte(`["RS256"]`)) + "." + b64url(good) + ".c2ln"), 401, "PGRST301"},
		{"broken JSON payload, signed", bearer(signed(nil, []byte(`{"sub":"`+marker+`",`))), 401, "PGRST303"},
		{"payload not an object, signed", bearer(signed(nil, []byte(`["`+marker+`"]`))), 401, "PGRST303"},
		{"payload not UTF-8, signed", bearer(signed(nil, []byte("{\"aud\":\""+audience+"\",\"x\":\"\xff"+marker+"\"}"))), 401, "PGRST303"},

		// Claims that PostgreSQL's jsonb cannot hold.
		{"claim with \\u0000", bearer(signed(nil, []byte(`{"aud":"`+audience+`","sub":"`+userA+`","name":"`+marker+`\u0000"}`))), 401, "PGRST303"},
		{"key with \\u0000", bearer(signed(nil, []byte(`{"aud":"`+audience+`","`+marker+`\u0000":1}`))), 401, "PGRST303"},
		{"unpaired surrogate", bearer(signed(nil, []byte(`{"aud":"`+audience+`","name":"`+marker+`\ud800"}`))), 401, "PGRST303"},
		{"escaped backslash before u0000 is fine", bearer(signed(nil, []byte(`{"aud":"`+audience+`","name":"`+marker+`\\u0000"}`))), 200, ""},

		// Roles. postgres and a missing role are refused by the database as
		// PostgREST's are; the login role is refused before any SQL.
		{"role postgres", bearer(signed(nil, with(map[string]any{"role": "postgres"}))), 403, "42501"},
		{"role authenticator", bearer(signed(nil, with(map[string]any{"role": "authenticator"}))), 401, "PGRST303"},
		// "none" would reset the role to the login user.
		{"role none", bearer(signed(nil, with(map[string]any{"role": "none"}))), 401, "PGRST303"},
		{"role NONE", bearer(signed(nil, with(map[string]any{"role": "NONE"}))), 401, "PGRST303"},
		{"role that does not exist", bearer(signed(nil, with(map[string]any{"role": "no_such_role"}))), 401, "22023"},
		{"role with SQL", bearer(signed(nil, with(map[string]any{"role": `authenticated"; drop table items; --`}))), 401, "22023"},
		{"role anon", bearer(signed(nil, with(map[string]any{"role": "anon"}))), 200, ""},
		{"role not a string", bearer(signed(nil, with(map[string]any{"role": []string{"postgres"}}))), 401, "PGRST301"},
		{"role empty", bearer(signed(nil, with(map[string]any{"role": ""}))), 401, "PGRST301"},
		{"role too long", bearer(signed(nil, with(map[string]any{"role": strings.Repeat("r", 64)}))), 401, "PGRST301"},

		// Malformed Authorization headers.
		{"two tokens", bearer(valid + " " + valid), 400, jwks.CodeMalformedHeader},
		{"space inside", "Bearer " + marker + " x", 400, jwks.CodeMalformedHeader},
		{"tab inside", "Bearer " + marker + "\tx", 400, jwks.CodeMalformedHeader},
		{"non-ASCII inside", "Bearer " + marker + "é.x.y", 400, jwks.CodeMalformedHeader},
	}

	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				r := getWithAuth(t, env.gw.base+"/items?select=id&limit=1", tt.auth)
				if tt.code == "" {
					if r.Status != tt.status {
						t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
					}
					return
				}
				expectJWTError(t, r, tt.status, tt.code, marker)
			})
		}
	})

	// Control characters never reach rowgate: Go's HTTP server refuses the
	// request line by line with a plain 400.
	resp, body := rawGet(t, env.gw.base, "/items", "Authorization: Bearer "+marker+"\x01.x.y")
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(body), marker) {
		t.Fatalf("control character: %d %q", resp.StatusCode, body)
	}

	// Nothing was fetched from the attacker, and nothing of the tokens was logged.
	if n := attackerHits.Load(); n != 0 {
		t.Fatalf("the attacker's key server was called %d times", n)
	}
	logText := env.gw.out.String()
	if strings.Contains(logText, marker) {
		t.Fatalf("the gateway logged token content (%s)", marker)
	}
	if strings.Contains(logText, strings.Split(valid, ".")[2]) {
		t.Fatal("the gateway logged a token")
	}
}

func mergeClaims(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// firstJWK returns the first key of a JWK Set document.
func firstJWK(t testing.TB, set []byte) []byte {
	t.Helper()
	var s struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(set, &s); err != nil || len(s.Keys) == 0 {
		t.Fatalf("bad JWK Set %s: %v", set, err)
	}
	return s.Keys[0]
}

// TestJWTOversizedHeaders checks that tokens and headers beyond the limits
// are refused with a clean answer and the gateway keeps serving.
func TestJWTOversizedHeaders(t *testing.T) {
	t.Parallel()
	marker := newMarker()

	// Beyond the token limit (16 KiB) but within the header limit: 401.
	big := signRaw(t, env.key, nil, claimsJSON(t, map[string]any{"pad": strings.Repeat(marker, 1500)}))
	r := getWithAuth(t, env.gw.base+"/items", "Bearer "+big)
	expectJWTError(t, r, http.StatusUnauthorized, "PGRST301", marker)

	// Beyond the header limit: Go's server answers 431 and closes.
	huge := "Bearer " + strings.Repeat(marker, 100<<10/len(marker))
	resp, body := rawGet(t, env.gw.base, "/items", "Authorization: "+huge)
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || strings.Contains(string(body), marker) {
		t.Fatalf("huge header: %d %.200q", resp.StatusCode, body)
	}
	resp, _ = rawGet(t, env.gw.base, "/items", "X-Padding: "+strings.Repeat("x", 100<<10))
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("huge other header: %d", resp.StatusCode)
	}

	// Still serving.
	if r := call(t, http.MethodGet, "/items?limit=1", token(t, userA, nil), ""); r.Status != http.StatusOK {
		t.Fatalf("after oversized headers: %d %s", r.Status, r.Body)
	}
	if strings.Contains(env.gw.out.String(), marker) {
		t.Fatal("the gateway logged token content")
	}
}

// TestJWTSQLInClaims checks that claims are data, never SQL: hostile text
// in sub, in other claims and in claim names is stored and read back
// verbatim, auth.uid() is NULL for a sub that is not a uuid, and the
// tables are untouched.
func TestJWTSQLInClaims(t *testing.T) {
	t.Parallel()
	jwtFixture(t)
	sub := `'; drop table items; --`
	claims := map[string]any{
		"sub":                          sub,
		"email":                        `x'); select pg_sleep(10); --`,
		`'; drop table categories; --`: `$$; drop table items; $$`,
		"role":                         "authenticated",
	}
	who := whoamiAs(t, env.gw.base, "Bearer "+token(t, sub, claims))
	if who.Role != "authenticated" || who.UID != nil || who.UserID == nil || *who.UserID != sub {
		t.Fatalf("whoami %+v", who)
	}
	var got map[string]any
	if err := json.Unmarshal(who.Claims, &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range claims {
		if got[k] != v {
			t.Fatalf("claim %q = %v, want %v", k, got[k], v)
		}
	}

	// A uuid sub gives auth.uid().
	if who := whoamiAs(t, env.gw.base, "Bearer "+token(t, userB, nil)); who.UID == nil || *who.UID != userB {
		t.Fatalf("whoami with a uuid sub: %+v", who)
	}

	// The tables are still there.
	for _, path := range []string{"/items?limit=1", "/categories?limit=1"} {
		if r := call(t, http.MethodGet, path, "", ""); r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
}

// TestJWTProviders runs a gateway with several providers at once, each
// with its own issuer and audience (an EdDSA JWKS like Neon Auth's, an
// RS256 JWKS like Auth0's, an HMAC secret, a PEM file, and the single
// source keys), an allow-list of roles and debug logging.
func TestJWTProviders(t *testing.T) {
	t.Parallel()
	jwtFixture(t)
	marker := newMarker()

	neon := newKeyServer(t, "EdDSA", "neon-1")
	auth0 := newKeyServer(t, "RS256", "auth0-1")
	pemKey, err := jwks.GenerateKeyPair("ES256", "")
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := pemKey.PublicPEM()
	if err != nil {
		t.Fatal(err)
	}
	pemPath := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(pemPath, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	secret := "a-service-secret-of-at-least-32-bytes"

	providers, err := json.Marshal([]map[string]any{
		{"jwks_url": neon.srv.URL, "issuer": "https://neon.test/auth", "audience": "https://neon.test/auth"},
		{"jwks_url": auth0.srv.URL, "issuer": "https://tenant.auth0.test/",
			"audience":       []string{"https://api.test", "https://tenant.auth0.test/userinfo"},
			"role_claim_key": `."https://rowgate.test/role"`, "default_role": "authenticated"},
		{"secret": secret, "audience": "svc", "default_role": "anon"},
		{"pem": "@" + pemPath, "issuer": "https://pem.test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := startGateway(map[string]string{
		"PGRST_DB_URI":              env.apiURI,
		"PGRST_DB_ANON_ROLE":        "anon",
		"PGRST_JWT_AUD":             audience,
		"ROWGATE_JWT_JWKS_URL":      env.jwks.URL,
		"ROWGATE_JWT_ISS":           "https://harness.test",
		"ROWGATE_JWT_PROVIDERS":     string(providers),
		"ROWGATE_JWT_ALLOWED_ROLES": "authenticated,anon",
		"ROWGATE_JWT_DEFAULT_ROLE":  "authenticated",
		"PGRST_LOG_LEVEL":           "debug",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)

	now := time.Now().Unix()
	claims := func(c map[string]any) []byte {
		base := map[string]any{"sub": userC, "iat": now, "exp": now + 600, "email": marker + "@example.com"}
		b, err := json.Marshal(mergeClaims(base, c))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	neonOK := map[string]any{"iss": "https://neon.test/auth", "aud": "https://neon.test/auth", "role": "authenticated"}
	auth0OK := map[string]any{"iss": "https://tenant.auth0.test/", "aud": []string{"https://api.test", "x"}}
	harnessOK := map[string]any{"iss": "https://harness.test", "aud": audience}
	bearer := func(kp *jwks.KeyPair, c map[string]any) string { return "Bearer " + signRaw(t, kp, nil, claims(c)) }
	hmacTok := func(c map[string]any) string {
		return "Bearer " + hs256(`{"alg":"HS256"}`, string(claims(c)), []byte(secret))
	}

	tests := []struct {
		name   string
		auth   string
		status int
		code   string // or the role on success
	}{
		{"neon token", bearer(neon.key, neonOK), 200, "authenticated"},
		{"neon key, auth0 claims", bearer(neon.key, auth0OK), 401, "PGRST303"},
		{"neon token, wrong aud", bearer(neon.key, mergeClaims(neonOK, map[string]any{"aud": marker})), 401, "PGRST303"},
		{"neon token, role postgres", bearer(neon.key, mergeClaims(neonOK, map[string]any{"role": "postgres"})), 401, "PGRST303"},
		{"auth0 token, default role", bearer(auth0.key, auth0OK), 200, "authenticated"},
		{"auth0 token, namespaced role", bearer(auth0.key, mergeClaims(auth0OK, map[string]any{"https://rowgate.test/role": "anon"})), 200, "anon"},
		{"auth0 token, role outside the allow-list", bearer(auth0.key, mergeClaims(auth0OK, map[string]any{"https://rowgate.test/role": "editor"})), 401, "PGRST303"},
		{"auth0 key, neon claims", bearer(auth0.key, neonOK), 401, "PGRST303"},
		{"auth0 token, other audience", bearer(auth0.key, mergeClaims(auth0OK, map[string]any{"aud": "https://evil.test"})), 401, "PGRST303"},
		{"secret token", hmacTok(map[string]any{"aud": "svc"}), 200, "anon"},
		{"secret token, wrong aud", hmacTok(map[string]any{"aud": "other"}), 401, "PGRST303"},
		{"pem token", bearer(pemKey, map[string]any{"iss": "https://pem.test"}), 200, "authenticated"},
		{"pem token, wrong iss", bearer(pemKey, map[string]any{"iss": "https://neon.test/auth"}), 401, "PGRST303"},
		{"single-source key", "Bearer " + signRaw(t, env.key, nil, claims(harnessOK)), 200, "authenticated"},
		{"single-source key, wrong iss", "Bearer " + signRaw(t, env.key, nil, claims(mergeClaims(harnessOK, map[string]any{"iss": "https://neon.test/auth"}))), 401, "PGRST303"},
		{"single-source key, no iss", "Bearer " + signRaw(t, env.key, nil, claims(mergeClaims(harnessOK, map[string]any{"iss": nil}))), 401, "PGRST303"},
		{"expired neon token", bearer(neon.key, mergeClaims(neonOK, map[string]any{"exp": now - 3600})), 401, "PGRST303"},
		{"unknown key", "Bearer " + signRaw(t, mustKeyPair(t, "EdDSA", "neon-1"), nil, claims(neonOK)), 401, "PGRST301"},
		{"malformed header", "Bearer " + marker + " x", 400, jwks.CodeMalformedHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := getWithAuth(t, g.base+"/jwt_whoami", tt.auth)
			if tt.status != 200 {
				expectJWTError(t, r, tt.status, tt.code, marker)
				return
			}
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var rows []whoami
			r.JSON(t, &rows)
			if len(rows) != 1 || rows[0].Role != tt.code {
				t.Fatalf("whoami %s, want role %s", r.Body, tt.code)
			}
		})
	}

	// Even at debug level, nothing of the tokens is logged.
	if strings.Contains(g.out.String(), marker) {
		t.Fatalf("the gateway logged token content:\n%s", g.out.String())
	}
}

// keyServer is a JWKS endpoint whose key set and health a test can change.
type keyServer struct {
	key  *jwks.KeyPair
	srv  *httptest.Server
	body atomic.Pointer[[]byte]
	hits atomic.Int64
	// down makes it answer 503.
	down atomic.Bool
}

func newKeyServer(t *testing.T, alg, kid string) *keyServer {
	t.Helper()
	ks := &keyServer{key: mustKeyPair(t, alg, kid)}
	ks.publish(t, ks.key)
	ks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.hits.Add(1)
		if ks.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*ks.body.Load())
	}))
	t.Cleanup(ks.srv.Close)
	return ks
}

// publish replaces the served key set by the public keys of kps.
func (ks *keyServer) publish(t *testing.T, kps ...*jwks.KeyPair) {
	t.Helper()
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	for _, kp := range kps {
		set.Keys = append(set.Keys, firstJWK(t, kp.PublicJWKS()))
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	ks.body.Store(&b)
}

func mustKeyPair(t *testing.T, alg, kid string) *jwks.KeyPair {
	t.Helper()
	kp, err := jwks.GenerateKeyPair(alg, kid)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// TestJWTKeyRotation rotates the keys of a JWKS server of the test's own
// under concurrent traffic through a gateway of its own: tokens of the old
// key keep working while it is published, tokens of a new key work as
// soon as it is published, and old tokens stop once it is withdrawn.
func TestJWTKeyRotation(t *testing.T) {
	t.Parallel()
	ks := newKeyServer(t, "ES256", "rot-1")
	oldKey := ks.key
	newKey := mustKeyPair(t, "EdDSA", "rot-2")
	g, err := startGateway(map[string]string{
		"PGRST_DB_URI":                          env.apiURI,
		"PGRST_DB_ANON_ROLE":                    "anon",
		"PGRST_JWT_AUD":                         audience,
		"ROWGATE_JWT_JWKS_URL":                  ks.srv.URL,
		"ROWGATE_JWT_DEFAULT_ROLE":              "authenticated",
		"ROWGATE_JWT_JWKS_MIN_REFRESH_INTERVAL": "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)

	mint := func(kp *jwks.KeyPair, sub string) string {
		return signRaw(t, kp, nil, claimsJSON(t, map[string]any{"sub": sub}))
	}
	oldTok, newTok := mint(oldKey, userA), mint(newKey, userB)

	// Traffic: workers send the tokens that must work, and count answers.
	var live atomic.Pointer[[]string]
	live.Store(&[]string{oldTok})
	var ok, failed atomic.Int64
	var firstFailure atomic.Pointer[string]
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				toks := *live.Load()
				r, err := doCall(http.MethodGet, g.base+"/items?select=id&limit=1", toks[i%len(toks)], "")
				if err == nil && r.Status == http.StatusOK {
					ok.Add(1)
					continue
				}
				failed.Add(1)
				msg := fmt.Sprint(err)
				if r != nil {
					msg = fmt.Sprintf("%d %s", r.Status, r.Body)
				}
				firstFailure.CompareAndSwap(nil, &msg)
			}
		}()
	}
	stopTraffic := func() {
		close(stop)
		wg.Wait()
		if n := failed.Load(); n > 0 {
			t.Fatalf("%d of %d requests failed during rotation; first: %s", n, n+ok.Load(), *firstFailure.Load())
		}
	}

	// 1. Only the old key is published; its tokens work, a new key's do not.
	if r := getWithAuth(t, g.base+"/items", "Bearer "+newTok); r.Status != http.StatusUnauthorized {
		t.Fatalf("new key before it is published: %d %s", r.Status, r.Body)
	}
	time.Sleep(1200 * time.Millisecond) // past jwt-jwks-min-refresh-interval

	// 2. The new key is published next to the old one: many first requests
	// with it at once all succeed, sharing one fetch.
	fetches := ks.hits.Load()
	ks.publish(t, oldKey, newKey)
	var first sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		first.Add(1)
		go func() {
			defer first.Done()
			if r, err := doCall(http.MethodGet, g.base+"/items?limit=1", newTok, ""); err == nil {
				statuses[i] = r.Status
			}
		}()
	}
	first.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("request %d with the new key right after publishing: %d", i, s)
		}
	}
	if n := ks.hits.Load() - fetches; n != 1 {
		t.Fatalf("the new key cost %d fetches, want 1", n)
	}
	live.Store(&[]string{oldTok, newTok})
	time.Sleep(300 * time.Millisecond)

	// 3. The old key is withdrawn. Clients move to the new key; the gateway
	// learns of the withdrawal at its next fetch (here, triggered by an
	// unknown kid) and the old tokens stop working at once.
	live.Store(&[]string{newTok})
	ks.publish(t, newKey)
	if r := getWithAuth(t, g.base+"/items", "Bearer "+oldTok); r.Status != http.StatusOK {
		t.Fatalf("old key before the gateway refetched: %d %s", r.Status, r.Body)
	}
	time.Sleep(1200 * time.Millisecond)
	unknown := mint(mustKeyPair(t, "EdDSA", "rot-3"), userC)
	expectJWTError(t, getWithAuth(t, g.base+"/items", "Bearer "+unknown), 401, "PGRST301", "")
	expectJWTError(t, getWithAuth(t, g.base+"/items", "Bearer "+oldTok), 401, "PGRST301", "")
	time.Sleep(300 * time.Millisecond)

	stopTraffic()
	if ok.Load() < 100 {
		t.Fatalf("only %d requests made it through", ok.Load())
	}
}

// startUnready starts `rowgate serve` like startGateway but returns as soon
// as the process is live, ready or not.
func startUnready(t *testing.T, settings map[string]string) *gatewayProc {
	t.Helper()
	g, err := launchGateway(settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)
	jwtEventually(t, "the gateway to listen", func() bool {
		r, err := doCall(http.MethodGet, g.base+"/items?limit=1", "", "")
		return err == nil && r.Status == http.StatusOK
	})
	return g
}

// TestJWTKeysArriveLate starts a gateway whose JWKS URL is down: it serves
// anonymous requests, answers token requests with 503 RG001, says why on
// /ready, and serves tokens once the keys arrive.
func TestJWTKeysArriveLate(t *testing.T) {
	t.Parallel()
	ks := newKeyServer(t, "EdDSA", "late-1")
	ks.down.Store(true)
	g := startUnready(t, map[string]string{
		"PGRST_DB_URI":                          env.apiURI,
		"PGRST_DB_ANON_ROLE":                    "anon",
		"PGRST_JWT_AUD":                         audience,
		"ROWGATE_JWT_JWKS_URL":                  ks.srv.URL,
		"ROWGATE_JWT_DEFAULT_ROLE":              "authenticated",
		"ROWGATE_JWT_JWKS_MIN_REFRESH_INTERVAL": "1",
	})
	tok := signRaw(t, ks.key, nil, claimsJSON(t, nil))

	// Keys missing: tokens get 503, /ready names the URL.
	r := getWithAuth(t, g.base+"/items?limit=1", "Bearer "+tok)
	obj := expectError(t, r, http.StatusServiceUnavailable, jwks.CodeKeysUnavailable)
	if obj["hint"] == nil {
		t.Fatalf("503 without a hint: %s", r.Body)
	}
	resp, err := http.Get(g.admin + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), ks.srv.URL) {
		t.Fatalf("/ready: %d %s", resp.StatusCode, body)
	}

	// Keys arrive: tokens work, /ready says yes.
	ks.down.Store(false)
	jwtEventually(t, "tokens to work", func() bool {
		r, err := doCall(http.MethodGet, g.base+"/items?limit=1", tok, "")
		return err == nil && r.Status == http.StatusOK
	})
	jwtEventually(t, "/ready", func() bool {
		resp, err := http.Get(g.admin + "/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// jwtEventually polls cond for up to 15 seconds.
func jwtEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
