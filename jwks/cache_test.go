package jwks

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

func TestCacheHit(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{Secret: testSecret, CacheMaxEntries: 2})
	ctx := context.Background()
	tok := bearer(sign(t, jwa.HS256, testSecret, nil, claims(nil)))

	first, err := v.Identify(ctx, tok)
	wantRole(t, first, err, "authenticated")
	second, err := v.Identify(ctx, tok)
	wantRole(t, second, err, "authenticated")
	if string(first.Claims) != string(second.Claims) {
		t.Fatalf("cached claims differ: %s vs %s", first.Claims, second.Claims)
	}
	if h, m, e := v.CacheStats(); h != 1 || m != 1 || e != 0 {
		t.Fatalf("stats = %d hits, %d misses, %d evictions; want 1, 1, 0", h, m, e)
	}

	// Two more tokens overflow a cache of two.
	for i := range 2 {
		_, err := v.Identify(ctx, bearer(sign(t, jwa.HS256, testSecret, nil, claims(map[string]any{"n": i}))))
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, _, e := v.CacheStats(); e != 1 {
		t.Fatalf("evictions = %d, want 1", e)
	}
	if n := v.cache.len(); n != 2 {
		t.Fatalf("cache holds %d entries, want 2", n)
	}

	// Rejected tokens are never cached.
	bad := bearer(sign(t, jwa.HS256, testSecret, nil, claims(map[string]any{"exp": 1})))
	for range 2 {
		_, err := v.Identify(ctx, bad)
		wantError(t, err, 401, CodeInvalidClaims)
	}
	if h, _, _ := v.CacheStats(); h != 1 {
		t.Fatalf("hits = %d after rejected tokens, want 1", h)
	}
}

func TestCacheExpiredEntryNotServed(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{Secret: testSecret, CacheMaxEntries: 10, Leeway: time.Millisecond})
	ctx := context.Background()
	exp := float64(time.Now().Add(700*time.Millisecond).UnixNano()) / 1e9
	tok := bearer(sign(t, jwa.HS256, testSecret, nil, claims(map[string]any{"exp": exp})))

	if _, err := v.Identify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Identify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(time.Unix(0, int64(exp*1e9))) + 20*time.Millisecond)
	_, err := v.Identify(ctx, tok)
	wantError(t, err, 401, CodeInvalidClaims)
	if h, m, _ := v.CacheStats(); h != 1 || m != 2 {
		t.Fatalf("stats = %d hits, %d misses; want 1, 2", h, m)
	}
}

func TestCacheMaxLifetime(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{Secret: testSecret, CacheMaxEntries: 10, CacheMaxLifetime: 50 * time.Millisecond})
	ctx := context.Background()
	tok := bearer(sign(t, jwa.HS256, testSecret, nil, claims(nil)))
	for range 2 {
		if _, err := v.Identify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(80 * time.Millisecond)
	if _, err := v.Identify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if h, m, _ := v.CacheStats(); h != 1 || m != 2 {
		t.Fatalf("stats = %d hits, %d misses; want 1, 2 (entry outlived its lifetime)", h, m)
	}
}

func TestCacheDisabled(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{Secret: testSecret})
	tok := bearer(sign(t, jwa.HS256, testSecret, nil, claims(nil)))
	for range 3 {
		if _, err := v.Identify(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if h, m, e := v.CacheStats(); h+m+e != 0 {
		t.Fatalf("stats = %d, %d, %d with the cache off", h, m, e)
	}
}

func TestTokenCacheLRU(t *testing.T) {
	t.Parallel()
	c := newTokenCache(2)
	now := time.Now()
	later := now.Add(time.Minute)
	k := func(s string) [sha256.Size]byte { return sha256.Sum256([]byte(s)) }
	a, b := &Identity{Role: "a"}, &Identity{Role: "b"}

	c.put(k("a"), a, later)
	c.put(k("b"), b, later)
	if _, ok := c.get(k("a"), now); !ok { // a becomes most recent
		t.Fatal("a missing")
	}
	c.put(k("c"), &Identity{Role: "c"}, later) // evicts b
	if _, ok := c.get(k("b"), now); ok {
		t.Fatal("b should have been evicted")
	}
	if id, ok := c.get(k("a"), now); !ok || id.Role != "a" {
		t.Fatal("a should still be cached")
	}
	if _, ok := c.get(k("a"), later); ok {
		t.Fatal("an entry must not be served at its expiry")
	}
	c.purge()
	if c.len() != 0 {
		t.Fatal("purge left entries")
	}
}
