package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rowgate/rowgate/jwks"
)

// publishedKIDs returns the kids of the signer's JWK Set.
func publishedKIDs(t *testing.T, s *jwks.Signer) []string {
	t.Helper()
	doc, err := s.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			D   string `json:"d"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		if k.D != "" {
			t.Fatalf("JWKS publishes a private key: %s", doc)
		}
		kids = append(kids, k.Kid)
	}
	return kids
}

// verifies reports whether tok verifies against the signer's JWKS now.
func verifies(t *testing.T, s *jwks.Signer, tok string) bool {
	t.Helper()
	doc, err := s.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwks.New(context.Background(), jwks.Config{JWKS: doc})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	_, err = v.Identify(context.Background(), "Bearer "+tok)
	return err == nil
}

func TestKeyRotationGrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	e := newEnv(t, func(c *Config) {
		c.Now = clk.Now
		c.KeyGracePeriod = time.Hour
	})
	s := e.svc.Signer()
	claims := map[string]any{"sub": "a", "role": "authenticated"}

	// One key at first.
	old, err := s.Sign(ctx, claims)
	if err != nil {
		t.Fatal(err)
	}
	first := publishedKIDs(t, s)
	if len(first) != 1 {
		t.Fatalf("published %v", first)
	}

	// After a rotation both keys are published and both tokens verify.
	if err := s.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	fresh, err := s.Sign(ctx, claims)
	if err != nil {
		t.Fatal(err)
	}
	if jwtHeader(t, fresh)["kid"] == first[0] {
		t.Fatal("the new token is signed with the old key")
	}
	if kids := publishedKIDs(t, s); len(kids) != 2 {
		t.Fatalf("during grace published %v", kids)
	}
	if !verifies(t, s, old) || !verifies(t, s, fresh) {
		t.Error("a token does not verify during the grace period")
	}

	// After the grace period the old key is gone, and its tokens with it.
	clk.Add(time.Hour + time.Minute)
	kids := publishedKIDs(t, s)
	if len(kids) != 1 || kids[0] == first[0] {
		t.Fatalf("after grace published %v", kids)
	}
	if verifies(t, s, old) {
		t.Error("a token of the retired key still verifies")
	}
	if !verifies(t, s, fresh) {
		t.Error("a token of the current key does not verify")
	}
}

func TestScheduledRotationReachesTheGateway(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	e := newEnv(t, func(c *Config) {
		c.Now = clk.Now
		c.KeyRotation = time.Hour
	})

	// The gateway's verifier gets the keys through the in-process JWKS URL.
	v, err := jwks.New(ctx, jwks.Config{
		Providers:          []jwks.Provider{e.svc.Provider()},
		HTTPClient:         &http.Client{Transport: e.svc.Transport(nil)},
		MinRefreshInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	c := e.browser(t)
	e.signUp(t, c, "rota@example.com", "long enough")
	mint := func() string {
		t.Helper()
		r := e.call(t, c, "GET", "/auth/token", nil)
		var body struct{ Token string }
		if err := json.Unmarshal(r.body, &body); err != nil || body.Token == "" {
			t.Fatalf("token: %d %s", r.status, r.body)
		}
		return body.Token
	}
	before := mint()
	if _, err := v.Identify(ctx, "Bearer "+before); err != nil {
		t.Fatalf("first key: %v", err)
	}

	// An hour later a new key signs; the verifier fetches it on sight.
	clk.Add(time.Hour + time.Second)
	time.Sleep(5 * time.Millisecond)
	after := mint()
	if jwtHeader(t, after)["kid"] == jwtHeader(t, before)["kid"] {
		t.Fatal("no rotation after the interval")
	}
	for _, tok := range []string{after, before} {
		id, err := v.Identify(ctx, "Bearer "+tok)
		if err != nil || id.Role != "authenticated" {
			t.Errorf("after rotation: %v %v", id, err)
		}
	}
}

func TestPrivateKeysEncryptedAtRest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	if err := e.svc.Signer().Rotate(ctx); err != nil {
		t.Fatal(err)
	}

	// Rows hold sealed private keys and public JWKs without private parts.
	rows, err := e.pool.Query(ctx, `SELECT id, "publicKey", "privateKey" FROM neon_auth.jwks`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ id, pub, priv string }
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.pub, &r.priv); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("%d keys stored", len(all))
	}
	for _, r := range all {
		var pub map[string]any
		if err := json.Unmarshal([]byte(r.pub), &pub); err != nil || pub["d"] != nil || pub["kid"] != r.id {
			t.Errorf("publicKey %s", r.pub)
		}
		if !strings.HasPrefix(r.priv, "v1.") || strings.Contains(r.priv, "{") ||
			strings.Contains(r.priv, pub["x"].(string)) {
			t.Errorf("privateKey is not sealed: %s", r.priv)
		}
	}

	// Another secret cannot open them: the service refuses to start.
	_, err = New(ctx, Config{Store: e.store, Secret: []byte(strings.Repeat("z", 32))})
	if !errors.Is(err, jwks.ErrUnseal) {
		t.Errorf("New with another secret: %v", err)
	}

	// A sealed key moved to another row does not open either.
	const swap = `UPDATE neon_auth.jwks SET "privateKey" = CASE id WHEN $1 THEN $2 ELSE $3 END`
	if _, err := e.pool.Exec(ctx, swap, all[0].id, all[1].priv, all[0].priv); err != nil {
		t.Fatal(err)
	}
	_, err = New(ctx, Config{Store: e.store, Secret: testSecret})
	if !errors.Is(err, jwks.ErrUnseal) {
		t.Errorf("New after swapping sealed keys: %v", err)
	}
}

func TestAlgorithms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, alg := range []string{"ES256", "RS256"} {
		e := newEnv(t, func(c *Config) { c.JWTAlg = alg })
		tok, err := e.svc.Signer().Sign(ctx, map[string]any{"sub": "x", "role": "authenticated"})
		if err != nil {
			t.Fatal(err)
		}
		if h := jwtHeader(t, tok); h["alg"] != alg {
			t.Errorf("alg %s: header %v", alg, h)
		}
		if !verifies(t, e.svc.Signer(), tok) {
			t.Errorf("alg %s: token does not verify", alg)
		}

		// Switching the algorithm makes a new key and keeps the old one in grace.
		e2, err := New(ctx, Config{Store: e.store, Secret: testSecret, JWTAlg: "EdDSA"})
		if err != nil {
			t.Fatal(err)
		}
		if kids := publishedKIDs(t, e2.Signer()); len(kids) != 2 {
			t.Errorf("after switching from %s: %v", alg, kids)
		}
		if !verifies(t, e2.Signer(), tok) {
			t.Errorf("the %s token does not verify after the switch", alg)
		}
	}
}
