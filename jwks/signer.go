package jwks

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Defaults applied by [NewSigner] to zero-valued [SignerConfig] fields.
const (
	DefaultSignerAlg      = "EdDSA"
	DefaultTokenLifetime  = 15 * time.Minute
	DefaultGracePeriod    = 30 * 24 * time.Hour
	DefaultReloadInterval = 10 * time.Second
	// SignerKeyIDPrefix starts the kid of every key a Signer makes, so
	// its tokens can be told from other issuers' without a lookup.
	SignerKeyIDPrefix = "rowgate-auth-"
)

// StoredKey is a signing key as a [KeyStore] keeps it: the public JWK in
// clear, the private JWK sealed with AES-256-GCM. ExpiresAt is zero while
// the key is current.
type StoredKey struct {
	ID         string
	PublicKey  string
	PrivateKey string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// KeyStore keeps a [Signer]'s keys, typically in the database so that
// every instance signs with the same ones.
type KeyStore interface {
	// Keys returns every stored key.
	Keys(ctx context.Context) ([]StoredKey, error)
	// AddKey stores a new key.
	AddKey(ctx context.Context, k StoredKey) error
	// ExpireKey sets a key's expiry to at unless it is already earlier.
	ExpireKey(ctx context.Context, id string, at time.Time) error
}

// SignerConfig configures a [Signer].
type SignerConfig struct {
	// Store keeps the keys; required.
	Store KeyStore
	// Secret seals the private keys at rest (AES-256-GCM under a key
	// derived with HKDF-SHA256); at least MinSecretBytes bytes, required.
	Secret []byte
	// Alg is "EdDSA" (the default when ""), "ES256" or "RS256".
	Alg string
	// Lifetime is how long a token is valid; 0 means 15 min.
	Lifetime time.Duration
	// RotationInterval is how long a key signs before a new one replaces
	// it; 0 means keys are replaced only by Rotate or a change of Alg.
	RotationInterval time.Duration
	// GracePeriod is how long a replaced key stays published so tokens it
	// signed still verify; 0 means 30 days. It must be at least Lifetime.
	GracePeriod time.Duration
	// ReloadInterval is how stale the in-memory copy of the store may get
	// before it is read again (other instances may have rotated); 0 means
	// 10 s.
	ReloadInterval time.Duration
	// Now returns the current time; nil means time.Now. Tests move it.
	Now func() time.Time
}

// Signer mints JWTs with keys it keeps in a [KeyStore], and publishes
// their public halves as a JWK Set. It is safe for concurrent use.
type Signer struct {
	cfg  SignerConfig
	aead cipher.AEAD

	mu       sync.Mutex // guards the fields below
	keys     []StoredKey
	loadedAt time.Time
	pairs    map[string]*KeyPair // unsealed private keys by kid
}

// NewSigner checks cfg, reads the stored keys and makes a first key when
// there is no current one of cfg.Alg. It fails when Secret cannot unseal
// the current key.
func NewSigner(ctx context.Context, cfg SignerConfig) (*Signer, error) {
	if cfg.Alg == "" {
		cfg.Alg = DefaultSignerAlg
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultTokenLifetime
	}
	if cfg.GracePeriod == 0 {
		cfg.GracePeriod = DefaultGracePeriod
	}
	if cfg.ReloadInterval == 0 {
		cfg.ReloadInterval = DefaultReloadInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch {
	case cfg.Store == nil:
		return nil, configErr("Store", "is required")
	case len(cfg.Secret) < MinSecretBytes:
		return nil, configErr("Secret", "must be at least %d bytes, got %d", MinSecretBytes, len(cfg.Secret))
	case !slices.Contains([]string{"EdDSA", "ES256", "RS256"}, cfg.Alg):
		return nil, configErr("Alg", "must be EdDSA, ES256 or RS256, got %q", cfg.Alg)
	case cfg.Lifetime < 0 || cfg.RotationInterval < 0:
		return nil, configErr("Lifetime", "durations must not be negative")
	case cfg.GracePeriod < cfg.Lifetime:
		return nil, configErr("GracePeriod", "must be at least the token lifetime (%s)", cfg.Lifetime)
	}
	aead, err := newSealer(cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}

	s := &Signer{cfg: cfg, aead: aead, pairs: map[string]*KeyPair{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.currentLocked(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Lifetime is how long the tokens Sign makes are valid.
func (s *Signer) Lifetime() time.Duration { return s.cfg.Lifetime }

// Alg is the algorithm new tokens are signed with.
func (s *Signer) Alg() string { return s.cfg.Alg }

// Sign returns a compact JWT holding claims, signed with the current key
// (its kid in the header), with iat now and exp after Lifetime unless the
// claims carry them.
func (s *Signer) Sign(ctx context.Context, claims map[string]any) (string, error) {
	s.mu.Lock()
	kp, err := s.currentLocked(ctx)
	s.mu.Unlock()
	if err != nil {
		return "", err
	}
	return kp.Sign(claims, s.cfg.Lifetime)
}

// Rotate replaces the current key by a new one now. The old key stays
// published for GracePeriod.
func (s *Signer) Rotate(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(ctx); err != nil {
		return err
	}
	_, err := s.addKeyLocked(ctx)
	return err
}

// JWKS returns the published keys as a JWK Set: the current key and the
// replaced ones still in their grace period.
func (s *Signer) JWKS(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if now.Sub(s.loadedAt) >= s.cfg.ReloadInterval {
		if err := s.reloadLocked(ctx); err != nil {
			return nil, err
		}
	}
	keys := make([]json.RawMessage, 0, len(s.keys))
	for _, k := range s.keys {
		if k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt.Add(s.cfg.GracePeriod)) {
			keys = append(keys, json.RawMessage(k.PublicKey))
		}
	}
	return json.Marshal(map[string]any{"keys": keys})
}

// currentLocked returns the key to sign with, making one when there is
// none: the newest unexpired key of cfg.Alg younger than RotationInterval.
func (s *Signer) currentLocked(ctx context.Context) (*KeyPair, error) {
	now := s.cfg.Now()
	if now.Sub(s.loadedAt) >= s.cfg.ReloadInterval || s.keys == nil {
		if err := s.reloadLocked(ctx); err != nil {
			return nil, err
		}
	}
	if k, ok := s.pickLocked(now); ok {
		return s.unsealLocked(k)
	}

	// Another instance may have made one since the last read.
	if err := s.reloadLocked(ctx); err != nil {
		return nil, err
	}
	if k, ok := s.pickLocked(now); ok {
		return s.unsealLocked(k)
	}
	return s.addKeyLocked(ctx)
}

func (s *Signer) pickLocked(now time.Time) (StoredKey, bool) {
	for i := len(s.keys) - 1; i >= 0; i-- {
		k := s.keys[i]
		if !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt) {
			continue
		}
		if s.cfg.RotationInterval > 0 && !now.Before(k.CreatedAt.Add(s.cfg.RotationInterval)) {
			continue
		}
		if publicAlg(k.PublicKey) != s.cfg.Alg {
			continue
		}
		return k, true
	}
	return StoredKey{}, false
}

// addKeyLocked makes and stores a new current key and expires the others
// now, which starts their grace period.
func (s *Signer) addKeyLocked(ctx context.Context) (*KeyPair, error) {
	now := s.cfg.Now()
	kid, err := newKeyID()
	if err != nil {
		return nil, err
	}
	kp, err := GenerateKeyPair(s.cfg.Alg, kid)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	priv, err := json.Marshal(kp.private)
	if err != nil {
		return nil, fmt.Errorf("jwks: encode private key: %w", err)
	}
	pub, err := json.Marshal(kp.public)
	if err != nil {
		return nil, fmt.Errorf("jwks: encode public key: %w", err)
	}
	sealed, err := seal(s.aead, kid, priv)
	if err != nil {
		return nil, fmt.Errorf("jwks: seal private key: %w", err)
	}

	// Store the new key first: a failure leaves the old ones current.
	sk := StoredKey{ID: kid, PublicKey: string(pub), PrivateKey: sealed,
		CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if err := s.cfg.Store.AddKey(ctx, sk); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	for _, k := range s.keys {
		if k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt) {
			if err := s.cfg.Store.ExpireKey(ctx, k.ID, now); err != nil {
				return nil, fmt.Errorf("jwks: %w", err)
			}
		}
	}
	if err := s.reloadLocked(ctx); err != nil {
		return nil, err
	}
	s.pairs[kid] = kp
	return kp, nil
}

func (s *Signer) reloadLocked(ctx context.Context) error {
	keys, err := s.cfg.Store.Keys(ctx)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	slices.SortStableFunc(keys, func(a, b StoredKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
	if keys == nil {
		keys = []StoredKey{}
	}
	s.keys = keys
	s.loadedAt = s.cfg.Now()
	return nil
}

func (s *Signer) unsealLocked(k StoredKey) (*KeyPair, error) {
	if kp, ok := s.pairs[k.ID]; ok {
		return kp, nil
	}
	plain, err := unseal(s.aead, k.ID, k.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("jwks: key %s: %w", k.ID, err)
	}
	priv, err := jwk.ParseKey(plain)
	if err != nil {
		return nil, fmt.Errorf("jwks: key %s: parse private key: %w", k.ID, err)
	}
	pub, err := priv.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("jwks: key %s: derive public key: %w", k.ID, err)
	}
	kp := &KeyPair{alg: jwa.SignatureAlgorithm(priv.Algorithm().String()), private: priv, public: pub}
	s.pairs[k.ID] = kp
	return kp, nil
}

// newKeyID returns SignerKeyIDPrefix and 96 random bits.
func newKeyID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("jwks: key id: %w", err)
	}
	return SignerKeyIDPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// publicAlg reads the alg of a public JWK in JSON, or "".
func publicAlg(doc string) string {
	var v struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal([]byte(doc), &v) != nil {
		return ""
	}
	return v.Alg
}

// IsSignerKeyID reports whether kid names a key a [Signer] made.
func IsSignerKeyID(kid string) bool { return strings.HasPrefix(kid, SignerKeyIDPrefix) }

// ErrUnseal is returned (wrapped) when a stored private key does not
// decrypt with the configured secret.
var ErrUnseal = errUnseal
