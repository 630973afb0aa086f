package jwks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
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

	// static holds the keys from Secret, JWKS and PEM, fixed at New.
	static []*key
	// remote is the JWKSURL source, or nil.
	remote *remote
	// cache is the verified-token cache, or nil when disabled.
	cache *tokenCache
	// anon is the identity of requests without a token, or nil when
	// anonymous access is disabled.
	anon *Identity

	cancel    context.CancelFunc
	wg        sync.WaitGroup // counts the refresher and fetches in flight
	closeOnce sync.Once
}

// New checks cfg, loads its static keys and, when JWKSURL is set, makes a
// first fetch bounded by ctx and starts the background refresher, which
// runs until Close. A JWKS URL that cannot be reached is not an error: the
// failure is logged, fetching is retried with backoff, and Ready reports it
// until keys arrive. Errors from bad settings are [*ConfigError] values
// naming the field.
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

	// Static key sources.
	if cfg.Secret != nil {
		v.static = append(v.static, secretKey(bytes.Clone(cfg.Secret)))
	}
	if cfg.JWKS != nil {
		keys, skipped, err := parseInlineJWKS(cfg.JWKS)
		if err != nil {
			return nil, &ConfigError{Field: "JWKS", Err: err}
		}
		for _, s := range skipped {
			v.log.Warn("jwks: inline key skipped", "reason", s)
		}
		v.static = append(v.static, keys...)
	}
	if cfg.PEM != nil {
		keys, err := parsePEM(cfg.PEM)
		if err != nil {
			return nil, &ConfigError{Field: "PEM", Err: err}
		}
		v.static = append(v.static, keys...)
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

	// Remote key source: one fetch now, then the refresher.
	if cfg.JWKSURL != "" {
		if err := v.startRemote(ctx); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// startRemote makes the first fetch and starts the refresher. Only a
// cancelled ctx makes it fail.
func (v *Verifier) startRemote(ctx context.Context) error {
	// The refresher outlives New's ctx (it stops on Close), but keeps its values.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	v.cancel = cancel
	v.remote = &remote{
		url:    v.cfg.JWKSURL,
		client: v.cfg.HTTPClient,
		log:    v.log,
		cfg:    &v.cfg,
		ctx:    rctx,
		wg:     &v.wg,
	}
	if v.cache != nil {
		v.remote.changed = v.cache.purge
	}

	if err := v.remote.refresh(ctx, true); err != nil && ctx.Err() != nil {
		v.Close()
		return fmt.Errorf("jwks: first JWKS fetch: %w", ctx.Err())
	}
	v.wg.Add(1)
	go v.remote.run()
	return nil
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
	case len(v.static) == 0 && v.remote == nil:
		return nil, "", errNoSecret()
	}

	// A cached token needs no signature check.
	now := time.Now()
	var ck [sha256.Size]byte
	if v.cache != nil {
		ck = sha256.Sum256([]byte(tok))
		if id, ok := v.cache.get(ck, now); ok {
			return id.clone(), "cached", nil
		}
	}

	// Signature, then claims, then role.
	t, e := parseCompact(tok)
	if e != nil {
		return nil, "", e
	}
	if e := v.verifySignature(ctx, t); e != nil {
		return nil, "", e
	}
	c, e := decodeClaims(t.payload)
	if e != nil {
		return nil, "", e
	}
	if e := v.checkClaims(c, now); e != nil {
		return nil, "", e
	}
	role, e := v.resolveRole(c)
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

// verifySignature finds the keys that may have signed t and checks them:
// keys whose kid equals the token's first, then keys without a kid. An
// unknown kid, or no key of the right type, triggers one shared refresh of
// the JWKS URL (rate limited) before giving up.
func (v *Verifier) verifySignature(ctx context.Context, t *compactToken) *Error {
	input := []byte(t.input)
	var snap *remoteKeys
	if v.remote != nil {
		snap = v.remote.set.Load()
	}

	res := v.tryKeys(t, input, v.static, remoteKeysOf(snap, time.Now()))
	if res.ok {
		return nil
	}
	if v.remote == nil {
		return res.failure()
	}

	// Maybe the issuer rotated keys: refresh once and retry with the new set.
	if res.tried == 0 || (t.kid != "" && !res.kidKnown) {
		_ = v.remote.refresh(ctx, false)
		if cur := v.remote.set.Load(); cur != snap {
			again := v.tryKeys(t, input, remoteKeysOf(cur, time.Now()))
			if again.ok {
				return nil
			}
			res.tried += again.tried
		}
	}

	if res.tried == 0 && v.remote.keys(time.Now()) == nil {
		return errKeysUnavailable("the JWKS URL has not provided a usable key set recently")
	}
	return res.failure()
}

// tryResult sums up a pass over candidate keys.
type tryResult struct {
	ok       bool
	tried    int
	kidKnown bool
}

func (r tryResult) failure() *Error {
	if r.tried == 0 {
		return errNoKey()
	}
	return errSignature()
}

// tryKeys checks t against the keys of every source that fit its alg.
func (v *Verifier) tryKeys(t *compactToken, input []byte, sources ...[]*key) tryResult {
	var r tryResult
	for pass := 0; pass < 2; pass++ {
		for _, keys := range sources {
			for _, k := range keys {
				// Pass 0: keys named by the token's kid. Pass 1: keys
				// without a kid, or every key when the token has none.
				if pass == 0 && (t.kid == "" || k.kid != t.kid) {
					continue
				}
				if pass == 1 && t.kid != "" && k.kid != "" {
					continue
				}
				if pass == 0 {
					r.kidKnown = true
				}
				if !k.fits(t.alg) {
					continue
				}
				r.tried++
				if k.verify(t.alg, input, t.sig) {
					r.ok = true
					return r
				}
			}
		}
	}
	return r
}

func remoteKeysOf(s *remoteKeys, now time.Time) []*key {
	if s == nil || now.After(s.usableUntil) {
		return nil
	}
	return s.keys
}

// Ready returns nil when every configured key source has usable keys, and
// otherwise an error saying which has none and why.
func (v *Verifier) Ready() error {
	if v.remote == nil {
		return nil
	}
	if err := v.remote.status(time.Now()); err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	return nil
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

// Close stops the background refresher and waits for it and any fetch in
// flight. Identify keeps working afterwards with the keys already loaded.
func (v *Verifier) Close() {
	v.closeOnce.Do(func() {
		if v.remote != nil {
			v.remote.close()
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
