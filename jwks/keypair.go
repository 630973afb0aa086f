package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
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

// PublicPEM returns the public key as a PKIX "PUBLIC KEY" PEM block, the
// form a PEM key source takes.
func (kp *KeyPair) PublicPEM() ([]byte, error) {
	var raw any
	if err := kp.public.Raw(&raw); err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// SignRaw returns a compact JWS over payload, taken byte for byte, under a
// protected header of alg, typ "JWT" and the key's kid, changed by header:
// its fields are added or replaced, and a nil value removes one. The
// signature is always made with the key's own algorithm, whatever the
// header says. It mints tokens of any shape, such as claims no JSON
// encoder would write or headers a provider would not send, for tests.
func (kp *KeyPair) SignRaw(header map[string]any, payload []byte) (string, error) {
	h := map[string]any{"alg": kp.alg.String(), "typ": "JWT", "kid": kp.public.KeyID()}
	for k, v := range header {
		if v == nil {
			delete(h, k)
			continue
		}
		h[k] = v
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("encode header: %w", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(hj) + "." + enc.EncodeToString(payload)

	var raw any
	if err := kp.private.Raw(&raw); err != nil {
		return "", fmt.Errorf("read private key: %w", err)
	}
	signer, err := jws.NewSigner(kp.alg)
	if err != nil {
		return "", fmt.Errorf("signer for %s: %w", kp.alg, err)
	}
	sig, err := signer.Sign([]byte(input), raw)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return input + "." + enc.EncodeToString(sig), nil
}
