package jwks

import (
	"context"
	"time"
)

// attempt is the state of matching one token against the key sources.
type attempt struct {
	t     *compactToken
	input []byte
	now   time.Time

	// claims are decoded and time-checked after the first good signature.
	claims *claimSet
	// tried counts signature checks; kidKnown says some key bore the
	// token's kid.
	tried    int
	kidKnown bool
	// refused marks, by source index, sources whose key verified the
	// signature but whose claim checks failed; claimsErr is the first
	// such failure.
	refused   []bool
	claimsErr *Error
	// fatal ends the attempt whatever the sources say: the claims cannot
	// be decoded, or their times are out of range.
	fatal *Error
	// accepted is the source whose key and claim checks passed.
	accepted *source
}

func (a *attempt) done() bool { return a.accepted != nil || a.fatal != nil }

// match finds a source that vouches for t: one of its keys verifies the
// signature and the claims pass its issuer and audience checks. Keys whose
// kid equals the token's are tried first, then keys without a kid. An
// unknown kid, or no key of the right type, triggers one shared refresh of
// every JWKS URL (each rate limited) before giving up.
func (v *Verifier) match(ctx context.Context, t *compactToken, now time.Time) (*source, *claimSet, *Error) {
	a := &attempt{t: t, input: []byte(t.input), now: now}

	// Keys in memory: static ones and each JWKS URL's current set.
	snaps := make([]*remoteKeys, len(v.sources))
	for i, s := range v.sources {
		if s.remote != nil {
			snaps[i] = s.remote.set.Load()
		}
	}
	v.try(a, func(i int) [2][]*key {
		return [2][]*key{v.sources[i].static, remoteKeysOf(snaps[i], now)}
	})

	// Maybe an issuer rotated keys: refresh once and retry with new sets.
	unknown := a.tried == 0 || (t.kid != "" && !a.kidKnown)
	if !a.done() && a.claims == nil && len(v.remotes) > 0 && unknown {
		v.refreshAll(ctx, false)
		fresh := make([]*remoteKeys, len(v.sources))
		changed := false
		for i, s := range v.sources {
			if s.remote == nil {
				continue
			}
			if cur := s.remote.set.Load(); cur != snaps[i] {
				fresh[i], changed = cur, true
			}
		}
		if changed {
			v.try(a, func(i int) [2][]*key {
				return [2][]*key{nil, remoteKeysOf(fresh[i], time.Now())}
			})
		}
	}
	return v.outcome(a)
}

// try checks a's token against the keys keysOf gives for each source,
// until a source accepts it or the attempt fails for good.
func (v *Verifier) try(a *attempt, keysOf func(i int) [2][]*key) {
	t := a.t
	for pass := 0; pass < 2; pass++ {
	sources:
		for i, s := range v.sources {
			if a.refused != nil && a.refused[i] {
				continue
			}
			for _, keys := range keysOf(i) {
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
						a.kidKnown = true
					}
					if !k.fits(t.alg) {
						continue
					}
					a.tried++
					if !k.verify(t.alg, a.input, t.sig) {
						continue
					}
					v.vouch(a, i, s)
					if a.done() {
						return
					}
					continue sources
				}
			}
		}
	}
}

// vouch runs the claim checks for a token whose signature source i's key
// verified.
func (v *Verifier) vouch(a *attempt, i int, s *source) {
	// Decoding and time checks are the same for every source: once.
	if a.claims == nil {
		c, e := decodeClaims(a.t.payload)
		if e == nil {
			e = v.checkRegistered(c, a.now)
		}
		if e != nil {
			a.fatal = e
			return
		}
		a.claims = c
	}

	if e := s.checkClaims(a.claims); e != nil {
		if a.claimsErr == nil {
			a.claimsErr = e
		}
		if a.refused == nil {
			a.refused = make([]bool, len(v.sources))
		}
		a.refused[i] = true
		return
	}
	a.accepted = s
}

// outcome turns a finished attempt into its result.
func (v *Verifier) outcome(a *attempt) (*source, *claimSet, *Error) {
	switch {
	case a.fatal != nil:
		return nil, nil, a.fatal
	case a.accepted != nil:
		return a.accepted, a.claims, nil
	case a.claimsErr != nil:
		return nil, nil, a.claimsErr
	case a.tried == 0 && v.remoteMissing(time.Now()):
		return nil, nil, errKeysUnavailable(
			"a JWKS URL has not provided a usable key set recently")
	case a.tried == 0:
		return nil, nil, errNoKey()
	}
	return nil, nil, errSignature()
}

// remoteMissing reports whether some JWKS URL has no usable keys at now.
func (v *Verifier) remoteMissing(now time.Time) bool {
	for _, r := range v.remotes {
		if r.keys(now) == nil {
			return true
		}
	}
	return false
}

func remoteKeysOf(s *remoteKeys, now time.Time) []*key {
	if s == nil || now.After(s.usableUntil) {
		return nil
	}
	return s.keys
}
