package jwks

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	k := keys(t)
	specA := jwkSpec{pub: &k.rsa[0].PublicKey, kid: "A"}
	specB := jwkSpec{pub: k.ed.Public(), kid: "B"}
	specC := jwkSpec{pub: &k.ec.PublicKey, kid: "C"}
	srv := newJWKSServer(t, jwkSet(t, specA))
	var refreshes, refreshErrs atomic.Int64
	v := newVerifier(t, Config{
		JWKSURL:            srv.URL,
		MinRefreshInterval: 200 * time.Millisecond,
		OnRefresh: func(err error, n int) {
			refreshes.Add(1)
			if err != nil {
				refreshErrs.Add(1)
			}
		},
	})
	ctx := context.Background()
	tokA := bearer(sign(t, jwa.RS256, k.rsa[0], map[string]any{"kid": "A"}, claims(nil)))
	tokB := bearer(sign(t, jwa.EdDSA, k.ed, map[string]any{"kid": "B"}, claims(nil)))
	tokC := bearer(sign(t, jwa.ES256, k.ec, map[string]any{"kid": "C"}, claims(nil)))
	tokZ := bearer(sign(t, jwa.RS256, k.rsa[1], map[string]any{"kid": "Z"}, claims(nil)))

	// Key A from the first fetch.
	id, err := v.Identify(ctx, tokA)
	wantRole(t, id, err, "authenticated")
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("fetches after start = %d, want 1", n)
	}

	// The issuer adds B: its first token triggers a refresh and works at
	// once (past MinRefreshInterval since the start-up fetch).
	time.Sleep(250 * time.Millisecond)
	srv.publish(jwkSet(t, specA, specB))
	id, err = v.Identify(ctx, tokB)
	wantRole(t, id, err, "authenticated")
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("fetches after unknown kid B = %d, want 2", n)
	}

	// Right away, another unknown kid is rate limited: no fetch.
	_, err = v.Identify(ctx, tokZ)
	wantError(t, err, 401, CodeInvalidToken)
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("fetches inside MinRefreshInterval = %d, want 2", n)
	}

	// A burst of unknown-kid requests shares one slow fetch, and all of
	// them see key C when it arrives.
	time.Sleep(250 * time.Millisecond)
	srv.publish(jwkSet(t, specA, specB, specC))
	srv.delay.Store(int64(100 * time.Millisecond))
	burst(t, 50, func() {
		id, err := v.Identify(ctx, tokC)
		wantRole(t, id, err, "authenticated")
	})
	if n := srv.hits.Load(); n != 3 {
		t.Fatalf("fetches after a burst for kid C = %d, want 3", n)
	}

	// A burst for a kid nobody publishes costs at most one fetch.
	time.Sleep(250 * time.Millisecond)
	burst(t, 50, func() {
		_, err := v.Identify(ctx, tokZ)
		wantError(t, err, 401, CodeInvalidToken)
	})
	if n := srv.hits.Load(); n != 4 {
		t.Fatalf("fetches after a burst for kid Z = %d, want 4", n)
	}
	srv.delay.Store(0)

	// The server goes down: the last keys keep working.
	srv.down.Store(true)
	time.Sleep(250 * time.Millisecond)
	_, err = v.Identify(ctx, tokZ) // forces a failing fetch
	wantError(t, err, 401, CodeInvalidToken)
	for _, tok := range []string{tokA, tokB, tokC} {
		id, err := v.Identify(ctx, tok)
		wantRole(t, id, err, "authenticated")
	}
	if err := v.Ready(); err != nil {
		t.Fatalf("Ready with last good keys: %v", err)
	}
	if refreshErrs.Load() != 1 || refreshes.Load() != 5 {
		t.Fatalf("OnRefresh calls = %d (%d errors), want 5 (1 error)", refreshes.Load(), refreshErrs.Load())
	}
}

// burst runs fn from n goroutines released at once.
func burst(t *testing.T, n int, fn func()) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn()
		}()
	}
	close(start)
	wg.Wait()
}

func TestStartWithServerDown(t *testing.T) {
	t.Parallel()
	k := keys(t)
	srv := newJWKSServer(t, jwkSet(t, jwkSpec{pub: k.ed.Public(), kid: "ed"}))
	srv.down.Store(true)
	v := newVerifier(t, Config{JWKSURL: srv.URL, Secret: testSecret, MinRefreshInterval: 20 * time.Millisecond})
	ctx := context.Background()

	if err := v.Ready(); err == nil {
		t.Fatal("Ready = nil before any key arrived")
	}
	tok := bearer(sign(t, jwa.EdDSA, k.ed, map[string]any{"kid": "ed"}, claims(nil)))
	_, err := v.Identify(ctx, tok)
	e := wantError(t, err, 503, CodeKeysUnavailable)
	if e.WWWAuthenticate() != "" {
		t.Fatalf("a 503 has no challenge, got %q", e.WWWAuthenticate())
	}

	// Tokens for other key sources are not held up.
	id, err := v.Identify(ctx, bearer(sign(t, jwa.HS256, testSecret, nil, claims(nil))))
	wantRole(t, id, err, "authenticated")

	// The server comes up: keys arrive, through a request or the retry loop.
	srv.down.Store(false)
	eventually(t, 5*time.Second, func() bool {
		_, err := v.Identify(ctx, tok)
		return err == nil
	})
	if err := v.Ready(); err != nil {
		t.Fatalf("Ready after keys arrived: %v", err)
	}
}

func TestStartWithServerUnreachable(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t, nil)
	url := srv.URL
	srv.Close() // nothing listens there any more

	v := newVerifier(t, Config{JWKSURL: url})
	if err := v.Ready(); err == nil {
		t.Fatal("Ready = nil with an unreachable JWKS URL")
	}
	_, err := v.Identify(context.Background(), bearer(sign(t, jwa.EdDSA, keys(t).ed, nil, claims(nil))))
	wantError(t, err, 503, CodeKeysUnavailable)
}

func TestRetryInBackground(t *testing.T) {
	t.Parallel()
	k := keys(t)
	srv := newJWKSServer(t, jwkSet(t, jwkSpec{pub: k.ed.Public(), kid: "ed"}))
	srv.down.Store(true)
	// No requests arrive, so only the background loop's backoff can fetch.
	v := newVerifier(t, Config{JWKSURL: srv.URL})
	srv.down.Store(false)
	eventually(t, 5*time.Second, func() bool { return v.Ready() == nil })
}

func TestStaleKeysExpire(t *testing.T) {
	t.Parallel()
	k := keys(t)
	srv := newJWKSServer(t, jwkSet(t, jwkSpec{pub: k.ed.Public(), kid: "ed"}))
	v := newVerifier(t, Config{JWKSURL: srv.URL, RefreshInterval: time.Second, MaxStaleness: 100 * time.Millisecond})
	tok := bearer(sign(t, jwa.EdDSA, k.ed, map[string]any{"kid": "ed"}, claims(nil)))
	if _, err := v.Identify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}

	// Refreshes fail from now on; after RefreshInterval+MaxStaleness the keys go.
	srv.down.Store(true)
	eventually(t, 5*time.Second, func() bool { return v.Ready() != nil })
	_, err := v.Identify(context.Background(), tok)
	wantError(t, err, 503, CodeKeysUnavailable)
}

func TestWithdrawnKeyPurgesCache(t *testing.T) {
	t.Parallel()
	k := keys(t)
	specA := jwkSpec{pub: &k.rsa[0].PublicKey, kid: "A"}
	specB := jwkSpec{pub: &k.rsa[1].PublicKey, kid: "B"}
	srv := newJWKSServer(t, jwkSet(t, specA))
	v := newVerifier(t, Config{JWKSURL: srv.URL, CacheMaxEntries: 10, MinRefreshInterval: time.Millisecond})
	ctx := context.Background()
	tokA := bearer(sign(t, jwa.RS256, k.rsa[0], map[string]any{"kid": "A"}, claims(nil)))
	if _, err := v.Identify(ctx, tokA); err != nil {
		t.Fatal(err)
	}

	// The issuer revokes A and publishes B; B's first token refreshes the set.
	srv.publish(jwkSet(t, specB))
	time.Sleep(5 * time.Millisecond)
	if _, err := v.Identify(ctx, bearer(sign(t, jwa.RS256, k.rsa[1], map[string]any{"kid": "B"}, claims(nil)))); err != nil {
		t.Fatal(err)
	}
	_, err := v.Identify(ctx, tokA)
	wantError(t, err, 401, CodeInvalidToken)
}

// TestEmptySetRevokes: publishing {"keys":[]} withdraws every key at once,
// cached tokens included, instead of being taken for a failed fetch.
func TestEmptySetRevokes(t *testing.T) {
	t.Parallel()
	k := keys(t)
	spec := jwkSpec{pub: &k.rsa[0].PublicKey, kid: "A"}
	srv := newJWKSServer(t, jwkSet(t, spec))
	v := newVerifier(t, Config{JWKSURL: srv.URL, CacheMaxEntries: 10, MinRefreshInterval: time.Millisecond})
	ctx := context.Background()
	tokA := bearer(sign(t, jwa.RS256, k.rsa[0], map[string]any{"kid": "A"}, claims(nil)))
	if _, err := v.Identify(ctx, tokA); err != nil {
		t.Fatal(err)
	}

	srv.publish([]byte(`{"keys":[]}`))
	time.Sleep(5 * time.Millisecond)
	// A token with an unknown kid makes the verifier fetch the empty set.
	_, err := v.Identify(ctx, bearer(sign(t, jwa.RS256, k.rsa[1], map[string]any{"kid": "B"}, claims(nil))))
	wantError(t, err, 401, CodeInvalidToken)
	_, err = v.Identify(ctx, tokA)
	wantError(t, err, 401, CodeInvalidToken)
}

func TestCacheControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"no-store", 0},
		{"public, max-age=3600", time.Hour},
		{"Max-Age=\"120\", must-revalidate", 2 * time.Minute},
		{"max-age=0", 0},
		{"max-age=-5", 0},
		{"max-age=abc", 0},
		{"max-age=99999999999999", 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := maxAge(tt.header); got != tt.want {
			t.Errorf("maxAge(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}

	// The refresher schedules by max-age within [1m, 24h], else RefreshInterval.
	k := keys(t)
	srv := newJWKSServer(t, jwkSet(t, jwkSpec{pub: k.ed.Public()}))
	for header, want := range map[string]time.Duration{
		"max-age=600": 10 * time.Minute,
		"max-age=5":   time.Minute,
		"no-cache":    7 * time.Second,
	} {
		srv.cacheControl.Store(&header)
		v := newVerifier(t, Config{JWKSURL: srv.URL, RefreshInterval: 7 * time.Second})
		v.remotes[0].mu.Lock()
		got := v.remotes[0].next
		v.remotes[0].mu.Unlock()
		if got != want {
			t.Errorf("Cache-Control %q: next refresh in %s, want %s", header, got, want)
		}
	}
}

func TestCloseStopsRefresher(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t, jwkSet(t, jwkSpec{pub: keys(t).ed.Public()}))
	v, err := New(context.Background(), Config{JWKSURL: srv.URL, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		v.Close()
		v.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	// Keys already loaded stay usable after Close.
	id, err := v.Identify(context.Background(), bearer(sign(t, jwa.EdDSA, keys(t).ed, nil, claims(nil))))
	wantRole(t, id, err, "authenticated")
}

func TestNewCancelled(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t, jwkSet(t, jwkSpec{pub: keys(t).ed.Public()}))
	srv.delay.Store(int64(2 * time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := New(ctx, Config{JWKSURL: srv.URL, Logger: quietLogger()}); err == nil {
		t.Fatal("New succeeded with a cancelled context")
	}
}

func TestRemoteSkipsUnparsableKeys(t *testing.T) {
	t.Parallel()
	k := keys(t)
	good := jwkSet(t, jwkSpec{pub: k.ed.Public(), kid: "ed"})
	// Splice a key of an unknown type in front of the good one.
	body := []byte(`{"keys":[{"kty":"NEW","kid":"future"},` + string(good[len(`{"keys":[`):]))
	srv := newJWKSServer(t, body)
	v := newVerifier(t, Config{JWKSURL: srv.URL})
	if err := v.Ready(); err != nil {
		t.Fatalf("Ready: %v (body %s)", err, body)
	}
	tok := bearer(sign(t, jwa.EdDSA, k.ed, map[string]any{"kid": "ed"}, claims(nil)))
	id, err := v.Identify(context.Background(), tok)
	wantRole(t, id, err, "authenticated")
}
