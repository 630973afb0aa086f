package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// maxJWKSBytes bounds a JWKS response body.
const maxJWKSBytes = 1 << 20

// Retry delays after a failed fetch: they start at firstRetry and double up
// to min(RefreshInterval, maxRetry).
const (
	firstRetry = time.Second
	maxRetry   = 5 * time.Minute
)

// errRateLimited is returned when an on-demand refresh is refused because
// the last fetch started less than MinRefreshInterval ago.
var errRateLimited = errors.New("JWKS refresh rate limited")

// remoteKeys is one successfully fetched key set.
type remoteKeys struct {
	keys      []*key
	fetchedAt time.Time
	// usableUntil is when the set is too stale to use: the time its
	// refresh was due plus MaxStaleness.
	usableUntil time.Time
}

// fetchCall is a fetch in flight; waiters block on done.
type fetchCall struct {
	done chan struct{}
	err  error
}

// remote is the JWKS URL key source. Readers take the current set without
// locking; fetches are shared by everyone who needs one at the same time.
type remote struct {
	url    string
	client *http.Client
	log    *slog.Logger
	cfg    *Config
	// changed is called after a fetch that withdrew keys.
	changed func()

	ctx context.Context // cancelled by Close; bounds every fetch
	wg  *sync.WaitGroup // owned by the Verifier

	set atomic.Pointer[remoteKeys]

	mu sync.Mutex // guards the fields below
	// inflight is the fetch in progress, or nil.
	inflight *fetchCall
	// lastStart is when the last fetch started.
	lastStart time.Time
	// failures counts consecutive failed fetches.
	failures int
	// lastErr is the error of the last fetch.
	lastErr error
	// next is the delay before the next background fetch.
	next time.Duration
	// closed is set by Close; no fetch starts afterwards.
	closed bool
}

// keys returns the usable keys at now, or nil.
func (r *remote) keys(now time.Time) []*key {
	s := r.set.Load()
	if s == nil || now.After(s.usableUntil) {
		return nil
	}
	return s.keys
}

// status explains why there are no usable keys; nil when there are.
func (r *remote) status(now time.Time) error {
	s := r.set.Load()
	r.mu.Lock()
	lastErr := r.lastErr
	r.mu.Unlock()

	switch {
	case s == nil && lastErr != nil:
		return fmt.Errorf("no keys from the JWKS URL yet: %w", lastErr)
	case s == nil:
		return errors.New("no keys from the JWKS URL yet")
	case now.After(s.usableUntil) && lastErr != nil:
		return fmt.Errorf("keys from the JWKS URL are stale since %s: %w",
			s.usableUntil.UTC().Format(time.RFC3339), lastErr)
	case now.After(s.usableUntil):
		return fmt.Errorf("keys from the JWKS URL are stale since %s",
			s.usableUntil.UTC().Format(time.RFC3339))
	}
	return nil
}

// run refreshes in the background until r.ctx ends. The first fetch has
// already been made by New.
func (r *remote) run() {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		delay := r.next
		r.mu.Unlock()

		t := time.NewTimer(delay)
		select {
		case <-r.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		_ = r.refresh(r.ctx, true)
	}
}

// refresh fetches the key set, joining a fetch already in flight. Unless
// force is set, it refuses with errRateLimited when the last fetch started
// less than MinRefreshInterval ago. It waits for the fetch or for ctx.
func (r *remote) refresh(ctx context.Context, force bool) error {
	r.mu.Lock()
	c := r.inflight
	if c == nil {
		if r.closed {
			r.mu.Unlock()
			return errors.New("verifier closed")
		}
		if !force && time.Since(r.lastStart) < r.cfg.MinRefreshInterval {
			r.mu.Unlock()
			return errRateLimited
		}
		c = &fetchCall{done: make(chan struct{})}
		r.inflight, r.lastStart = c, time.Now()
		r.wg.Add(1)
		go r.fetchAndStore(c)
	}
	r.mu.Unlock()

	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetchAndStore runs one fetch, publishes its result and wakes waiters.
func (r *remote) fetchAndStore(c *fetchCall) {
	defer r.wg.Done()

	keys, maxAge, err := r.fetch(r.ctx)
	now := time.Now()

	r.mu.Lock()
	r.lastErr = err
	if err != nil {
		r.failures++
		r.next = min(firstRetry<<min(r.failures-1, 20), r.cfg.RefreshInterval, maxRetry)
	} else {
		r.next = r.cfg.RefreshInterval
		if maxAge > 0 {
			r.next = min(max(maxAge, minMaxAge), maxMaxAge)
		}
	}
	failures, next := r.failures, r.next
	if err == nil {
		r.failures = 0
	}
	r.mu.Unlock()

	if err == nil {
		cur := &remoteKeys{keys: keys, fetchedAt: now, usableUntil: now.Add(next + r.cfg.MaxStaleness)}
		old := r.set.Swap(cur)
		if old != nil && withdrawn(old.keys, keys) && r.changed != nil {
			r.changed()
		}
	}
	r.report(err, len(keys), failures)

	r.mu.Lock()
	r.inflight = nil
	r.mu.Unlock()
	c.err = err
	close(c.done)
}

// report logs a failure once per streak of failures, and the recovery.
func (r *remote) report(err error, n, failures int) {
	if r.cfg.OnRefresh != nil {
		r.cfg.OnRefresh(err, n)
	}
	switch {
	case err != nil && failures == 1:
		r.log.Warn("jwks: cannot refresh keys; keeping the last good set",
			"url", r.url, "error", err)
	case err != nil:
		r.log.Debug("jwks: refresh still failing", "url", r.url, "failures", failures, "error", err)
	case failures > 0:
		r.log.Info("jwks: refresh recovered", "url", r.url, "keys", n, "failed_attempts", failures)
	default:
		r.log.Debug("jwks: keys refreshed", "url", r.url, "keys", n)
	}
}

// fetch downloads and parses the key set. maxAge is the response's
// Cache-Control max-age, or 0.
func (r *remote) fetch(ctx context.Context) ([]*key, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("build JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch JWKS: %w", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("fetch JWKS: unexpected status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read JWKS: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, 0, fmt.Errorf("read JWKS: response larger than %d bytes", maxJWKSBytes)
	}

	// A published key of a type jwx cannot parse (a new kty, say) must not
	// hide the others, so unparsable keys are skipped, not fatal.
	set, err := jwk.Parse(body, jwk.WithIgnoreParseError(true))
	if err != nil {
		return nil, 0, fmt.Errorf("parse JWKS: %w", err)
	}
	keys, skipped := keysFromSet(set)
	for _, s := range skipped {
		r.log.Debug("jwks: key skipped", "url", r.url, "reason", s)
	}
	// An empty set is an answer: the issuer has withdrawn every key, as it
	// may to revoke all tokens at once. A set whose keys are all unusable
	// is more likely a fault, so the last good keys stay.
	if len(keys) == 0 && set.Len() > 0 {
		return nil, 0, fmt.Errorf("JWKS has no usable signing key among %d", set.Len())
	}
	if keys == nil {
		keys = []*key{} // fetched and empty, unlike never fetched (nil)
	}
	return keys, maxAge(resp.Header.Get("Cache-Control")), nil
}

// maxAge returns the max-age directive of a Cache-Control value, or 0.
func maxAge(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(d), "=")
		if !ok || !strings.EqualFold(name, "max-age") {
			continue
		}
		n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
		if err != nil || n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(maxMaxAge/time.Second))) * time.Second
	}
	return 0
}

// withdrawn reports whether a key of old is missing from cur.
func withdrawn(old, cur []*key) bool {
	have := make(map[[32]byte]bool, len(cur))
	for _, k := range cur {
		have[k.fp] = true
	}
	for _, k := range old {
		if !have[k.fp] {
			return true
		}
	}
	return false
}

// close stops new fetches; the caller cancels r.ctx and waits on r.wg.
func (r *remote) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}
