package auth

import (
	"net/http"
	"sync"
	"time"
)

// Authorization lets the Data API accept the session cookie: for a request
// that carries a live session cookie it returns the Authorization header
// value ("Bearer <jwt>") that stands for the session, minted in process and
// cached for CookieCacheTTL; the gateway then verifies it like any token.
// It returns "" when the request has no usable cookie: none, an unknown or
// expired session, or a page of an origin that may not use it (the cookie
// is then ignored, which stops cross-site request forgery). Errors are
// failures to reach the database.
func (s *Service) Authorization(r *http.Request) (string, error) {
	tok := cookieToken(r)
	if tok == "" || !s.cookieOriginOK(r) {
		return "", nil
	}
	h := digest(tok)
	if authz, ok := s.cookies.get(h); ok {
		return authz, nil
	}

	_, u, err := s.store.Session(r.Context(), h)
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if s.cfg.RequireEmailVerification && !u.EmailVerified {
		return "", nil
	}
	jwt, err := s.mint(r, u)
	if err != nil {
		return "", err
	}
	authz := "Bearer " + jwt
	s.cookies.put(h, authz)
	return authz, nil
}

// cookieOriginOK reports whether the page that sent r may use the
// cookie: no Origin header and not cross-site (same-origin reads,
// navigations, non-browser clients), or an allowed origin.
func (s *Service) cookieOriginOK(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	return s.originAllowed(r, origin)
}

// maxCookieCache bounds the cookie cache; when full it starts over.
const maxCookieCache = 10_000

// cookieCache maps session token digests to the Authorization value
// minted for them, for a short time.
type cookieCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex // guards entries
	entries map[string]cookieEntry
}

type cookieEntry struct {
	authz string
	until time.Time
}

func newCookieCache(ttl time.Duration, now func() time.Time) *cookieCache {
	return &cookieCache{ttl: ttl, now: now, entries: map[string]cookieEntry{}}
}

func (c *cookieCache) get(h string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[h]
	if !ok || !c.now().Before(e.until) {
		delete(c.entries, h)
		return "", false
	}
	return e.authz, true
}

func (c *cookieCache) put(h, authz string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCookieCache {
		c.entries = map[string]cookieEntry{}
	}
	c.entries[h] = cookieEntry{authz: authz, until: c.now().Add(c.ttl)}
}

func (c *cookieCache) forget(h string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, h)
}
