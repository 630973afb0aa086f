package jwks

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// testSecret is an HMAC secret long enough for Config.Secret.
var testSecret = []byte("a-test-secret-that-is-at-least-32-bytes-long")

// testKeySet holds keys generated once per test binary; RSA generation
// is slow.
type testKeySet struct {
	once  sync.Once
	rsa   []*rsa.PrivateKey
	ec    *ecdsa.PrivateKey
	ec384 *ecdsa.PrivateKey
	ed    ed25519.PrivateKey
}

var testKeys testKeySet

func keys(t testing.TB) *testKeySet {
	t.Helper()
	testKeys.once.Do(func() {
		for range 4 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			testKeys.rsa = append(testKeys.rsa, k)
		}
		var err error
		if testKeys.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if testKeys.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
			panic(err)
		}
		if _, testKeys.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
	return &testKeys
}

// b64 encodes base64url without padding.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign builds a compact JWS with exactly the given header fields (plus alg
// unless hdr sets it) over payload, which is JSON-encoded unless it is
// already []byte.
func sign(t testing.TB, alg jwa.SignatureAlgorithm, priv any, hdr map[string]any, payload any) string {
	t.Helper()
	h := map[string]any{"alg": alg.String(), "typ": "JWT"}
	for k, v := range hdr {
		h[k] = v
	}
	hj, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	pj, ok := payload.([]byte)
	if !ok {
		if pj, err = json.Marshal(payload); err != nil {
			t.Fatal(err)
		}
	}
	input := b64(hj) + "." + b64(pj)
	s, err := jws.NewSigner(alg)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign([]byte(input), priv)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// claims returns a typical claim set valid for an hour.
func claims(extra map[string]any) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{
		"sub": "8a0b6d38-8c1e-4a9e-9f4e-0a3c1e2d7b11", "role": "authenticated",
		"iat": now, "exp": now + 3600, "email": "user@example.com",
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// jwkSpec describes one key to publish in a JWK Set.
type jwkSpec struct {
	pub any
	kid string
	alg jwa.SignatureAlgorithm
	use string
}

// jwkSet returns the JSON of a JWK Set holding specs.
func jwkSet(t testing.TB, specs ...jwkSpec) []byte {
	t.Helper()
	set := jwk.NewSet()
	for _, s := range specs {
		k, err := jwk.FromRaw(s.pub)
		if err != nil {
			t.Fatal(err)
		}
		if s.kid != "" {
			_ = k.Set(jwk.KeyIDKey, s.kid)
		}
		if s.alg != "" {
			_ = k.Set(jwk.AlgorithmKey, s.alg)
		}
		if s.use != "" {
			_ = k.Set(jwk.KeyUsageKey, s.use)
		}
		if err := set.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

// pemOf returns the PKIX PEM encoding of pub.
func pemOf(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// jwksServer is a real JWKS endpoint on 127.0.0.1 whose content and health
// the test controls.
type jwksServer struct {
	*httptest.Server
	body         atomic.Pointer[[]byte]
	hits         atomic.Int64
	down         atomic.Bool
	delay        atomic.Int64 // nanoseconds to wait before answering
	cacheControl atomic.Pointer[string]
}

func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.publish(body)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if d := s.delay.Load(); d > 0 {
			time.Sleep(time.Duration(d))
		}
		if s.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if cc := s.cacheControl.Load(); cc != nil {
			w.Header().Set("Cache-Control", *cc)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(*s.body.Load())
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) publish(body []byte) { s.body.Store(&body) }

// quietLogger discards log output.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newVerifier builds a Verifier that is closed when the test ends.
func newVerifier(t testing.TB, cfg Config) *Verifier {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	v, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// bearer prefixes a token with the Bearer scheme.
func bearer(tok string) string { return "Bearer " + tok }

// wantError checks that err is an *Error with status and code.
func wantError(t testing.TB, err error, status int, code string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %d %s", err, err, status, code)
	}
	if e.Status != status || e.Code != code {
		t.Fatalf("error = %d %s (%q), want %d %s", e.Status, e.Code, e.Message, status, code)
	}
	return e
}

// wantRole checks that id was resolved without error to role.
func wantRole(t testing.TB, id *Identity, err error, role string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Identify: %v", err)
	}
	if id.Role != role {
		t.Fatalf("role = %q, want %q", id.Role, role)
	}
	var m map[string]any
	if err := json.Unmarshal(id.Claims, &m); err != nil {
		t.Fatalf("claims %q are not JSON: %v", id.Claims, err)
	}
	if m["role"] != role {
		t.Fatalf("claims role = %v, want %q", m["role"], role)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tamper replaces one dot-separated part of tok.
func tamper(tok string, part int, with string) string {
	p := strings.Split(tok, ".")
	p[part] = with
	return strings.Join(p, ".")
}
