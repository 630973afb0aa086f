package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// KeyPair is a freshly generated signing key with its public JWK, for the
// demo and for tests that need to mint tokens the way an auth provider does.
type KeyPair struct {
	alg     jwa.SignatureAlgorithm
	private jwk.Key
	public  jwk.Key
}

// GenerateKeyPair makes a new key for alg ("RS256", "ES256" or "EdDSA"),
// identified by kid.
func GenerateKeyPair(alg, kid string) (*KeyPair, error) {
	var raw any
	var err error
	switch alg {
	case "RS256":
		raw, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		raw, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, raw, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("cannot generate key: unsupported algorithm %q", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", alg, err)
	}

	priv, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, fmt.Errorf("wrap %s key: %w", alg, err)
	}
	sa := jwa.SignatureAlgorithm(alg)
	for k, v := range map[string]any{jwk.KeyIDKey: kid, jwk.AlgorithmKey: sa, jwk.KeyUsageKey: "sig"} {
		if err := priv.Set(k, v); err != nil {
			return nil, fmt.Errorf("set %s: %w", k, err)
		}
	}
	pub, err := priv.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("derive public key: %w", err)
	}
	return &KeyPair{alg: sa, private: priv, public: pub}, nil
}

// PublicJWKS returns a JWK Set document holding the public key.
func (kp *KeyPair) PublicJWKS() []byte {
	set := jwk.NewSet()
	_ = set.AddKey(kp.public)
	b, _ := json.Marshal(set)
	return b
}

// Sign returns a compact JWT holding claims, with iat set to now and exp
// set to now+ttl unless claims already carry them.
func (kp *KeyPair) Sign(claims map[string]any, ttl time.Duration) (string, error) {
	tok := jwt.New()
	now := time.Now()
	if _, ok := claims["iat"]; !ok {
		_ = tok.Set(jwt.IssuedAtKey, now)
	}
	if _, ok := claims["exp"]; !ok && ttl > 0 {
		_ = tok.Set(jwt.ExpirationKey, now.Add(ttl))
	}
	for k, v := range claims {
		if err := tok.Set(k, v); err != nil {
			return "", fmt.Errorf("set claim %s: %w", k, err)
		}
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(kp.alg, kp.private))
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return string(signed), nil
}
