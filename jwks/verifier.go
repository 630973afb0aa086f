package jwks

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Verifier turns Authorization header values into identities. It is safe
// for concurrent use. Call Close when done with it.
type Verifier struct {
	cfg      Config
	rolePath rolePath
	log      *slog.Logger

	// sources are the key sources in the order they are tried: the
	// top-level key fields of Config (when they name a key), then each of
	// Config.Providers.
	sources []*source
	// remotes are the sources' JWKS URL fetchers, in the same order.
	remotes []*remote
	// cache is the verified-token cache, or nil when disabled.
	cache *tokenCache
	// anon is the identity of requests without a token, or nil when
	// anonymous access is disabled.
	anon *Identity

	cancel    context.CancelFunc
	wg        sync.WaitGroup // counts the refreshers and fetches in flight
	closeOnce sync.Once
}

// New checks cfg, loads its static keys and, for every JWKS URL, makes a
// first fetch bounded by ctx (all at once) and starts a background
// refresher, which runs until Close. A JWKS URL that cannot be reached is
// not an error: the failure is logged, fetching is retried with backoff,
// and Ready reports it until keys arrive. Errors from bad settings are
// [*ConfigError] values naming the field.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	rp, err := parseRolePath(cfg.RoleClaimKey)
	if err != nil {
		return nil, &ConfigError{Field: "RoleClaimKey", Err: err}
	}
	v := &Verifier{cfg: cfg, rolePath: rp, log: cfg.Logger}

	// Key sources: the top-level fields, then each provider.
	if top := cfg.topProvider(); top.hasKeys() {
		if err := v.addSource(top, ""); err != nil {
			return nil, err
		}
	}
	for i, p := range cfg.Providers {
		if err := v.addSource(p, fmt.Sprintf("Providers[%d].", i)); err != nil {
			return nil, err
		}
	}

	// Cache and anonymous identity.
	if cfg.CacheMaxEntries > 0 {
		v.cache = newTokenCache(cfg.CacheMaxEntries)
	}
	if cfg.AnonRole != "" {
		claims, err := json.Marshal(map[string]string{"role": cfg.AnonRole})
		if err != nil {
			return nil, &ConfigError{Field: "AnonRole", Err: err}
		}
		v.anon = &Identity{Role: cfg.AnonRole, Claims: claims, Anonymous: true}
	}

	// Remote key sources: one first fetch each, then the refreshers.
	if err := v.startRemotes(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

// addSource prepares p and appends it to the sources. field prefixes the
// names of p's fields in errors.
func (v *Verifier) addSource(p Provider, field string) error {
	s, err := v.newSource(p, field)
	if err != nil {
		return err
	}
	if p.JWKSURL != "" {
		s.remote = &remote{url: p.JWKSURL, client: v.cfg.HTTPClient, log: v.log, cfg: &v.cfg}
		v.remotes = append(v.remotes, s.remote)
	}
	v.sources = append(v.sources, s)
	return nil
}

// startRemotes makes the first fetch of every JWKS URL and starts their
// refreshers. Only a cancelled ctx makes it fail.
func (v *Verifier) startRemotes(ctx context.Context) error {
	if len(v.remotes) == 0 {
		return nil
	}
	// The refreshers outlive New's ctx (they stop on Close), but keep its values.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	v.cancel = cancel
	for _, r := range v.remotes {
		r.ctx, r.wg = rctx, &v.wg
		if v.cache != nil {
			r.changed = v.cache.purge
		}
	}

	v.refreshAll(ctx, true)
	if ctx.Err() != nil {
		v.Close()
		return fmt.Errorf("jwks: first JWKS fetch: %w", ctx.Err())
	}
	for _, r := range v.remotes {
		v.wg.Add(1)
		go r.run()
	}
	return nil
}

// refreshAll refreshes every JWKS URL at once (each within its own rate
// limit unless force is set) and waits for all of them or for ctx.
func (v *Verifier) refreshAll(ctx context.Context, force bool) {
	if len(v.remotes) == 1 {
		_ = v.remotes[0].refresh(ctx, force)
		return
	}
	var wg sync.WaitGroup
	for _, r := range v.remotes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = r.refresh(ctx, force)
		}()
	}
	wg.Wait()
}

// Identify resolves an Authorization header value (the raw value, "" when
// the header is absent) to an identity. Without bearer credentials the
// request is anonymous; a bearer token must verify against a configured key
// and pass the claim checks. Errors are always [*Error].
//
// The returned Identity may be shared with the cache: treat its Claims as
// read-only.
func (v *Verifier) Identify(ctx context.Context, authorization string) (*Identity, error) {
	id, reason, e := v.identify(ctx, authorization)
	if e != nil {
		v.observe("rejected", e.reason)
		v.log.LogAttrs(ctx, slog.LevelDebug, "jwks: token rejected",
			slog.String("code", e.Code), slog.String("reason", e.reason))
		return nil, e
	}
	v.observe("ok", reason)
	return id, nil
}

func (v *Verifier) identify(ctx context.Context, authorization string) (*Identity, string, *Error) {
	// No bearer credentials: anonymous.
	tok, ok := bearerToken(authorization)
	if !ok {
		if v.anon == nil {
			return nil, "", errAnonDisabled()
		}
		return v.anon.clone(), "anonymous", nil
	}
	switch {
	case tok == "":
		return nil, "", errEmptyToken()
	case len(tok) > maxTokenBytes:
		return nil, "", errTooLarge()
	case len(v.sources) == 0:
		return nil, "", errNoSecret()
	}

	// A cached token needs no signature check. Only verified tokens are
	// cached, so a malformed one can only miss.
	now := time.Now()
	var ck [sha256.Size]byte
	if v.cache != nil {
		ck = sha256.Sum256([]byte(tok))
		if id, ok := v.cache.get(ck, now); ok {
			return id.clone(), "cached", nil
		}
	}
	if !tokenSyntax(tok) {
		return nil, "", errMalformedHeader()
	}

	// Signature and claims against each source, then the role.
	t, e := parseCompact(tok)
	if e != nil {
		return nil, "", e
	}
	src, c, e := v.match(ctx, t, now)
	if e != nil {
		return nil, "", e
	}
	role, e := v.resolveRole(src, c)
	if e != nil {
		return nil, "", e
	}
	claims, err := claimsJSON(c, role)
	if err != nil {
		return nil, "", errClaims("bad_claims", "Parsing claims failed")
	}
	id := &Identity{Role: role, Claims: claims}

	if v.cache != nil {
		if until := v.cacheUntil(c, now); now.Before(until) {
			v.cache.put(ck, id, until)
		}
	}
	return id.clone(), "verified", nil
}

// cacheUntil is when a token verified at now leaves the cache: after
// CacheMaxLifetime, and never after its exp.
func (v *Verifier) cacheUntil(c *claimSet, now time.Time) time.Time {
	until := now.Add(v.cfg.CacheMaxLifetime)
	if !c.hasExp {
		return until
	}
	if c.exp < float64(until.Unix()) {
		sec, frac := math.Modf(c.exp)
		return time.Unix(int64(sec), int64(frac*1e9))
	}
	return until
}

// Ready returns nil when every JWKS URL has provided usable keys, and
// otherwise an error naming each URL that has none and why.
func (v *Verifier) Ready() error {
	var errs []error
	now := time.Now()
	for _, r := range v.remotes {
		if err := r.status(now); err != nil {
			errs = append(errs, fmt.Errorf("jwks: %s: %w", r.url, err))
		}
	}
	return errors.Join(errs...)
}

// CacheStats returns the verified-token cache's counters: lookups that
// found a live entry, lookups that did not, and entries pushed out to make
// room. All are zero when the cache is disabled.
func (v *Verifier) CacheStats() (hits, misses, evictions uint64) {
	if v.cache == nil {
		return 0, 0, 0
	}
	return v.cache.hits.Load(), v.cache.misses.Load(), v.cache.evictions.Load()
}

// Close stops the background refreshers and waits for them and any fetch
// in flight. Identify keeps working afterwards with the keys already loaded.
func (v *Verifier) Close() {
	v.closeOnce.Do(func() {
		for _, r := range v.remotes {
			r.close()
		}
		if v.cancel != nil {
			v.cancel()
		}
		v.wg.Wait()
	})
}

func (v *Verifier) observe(outcome, reason string) {
	if v.cfg.OnVerify != nil {
		v.cfg.OnVerify(outcome, reason)
	}
}

// clone returns a copy of id that shares its Claims.
func (id *Identity) clone() *Identity {
	c := *id
	return &c
}
