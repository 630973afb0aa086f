package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// keyFamily is the kind of a verification key; it decides which
// algorithms the key may verify.
type keyFamily int

const (
	familyHMAC keyFamily = iota + 1
	familyRSA
	familyEC
	familyOKP
)

// minRSABits is the shortest RSA modulus accepted.
const minRSABits = 2048

// key is one verification key, converted once to the raw form jws's
// verifiers take so a check does no conversion work.
type key struct {
	// kid is the JWK key id; "" for secrets, PEM keys and JWKs without one.
	kid string
	// alg, when set, is the only algorithm the key may verify.
	alg    jwa.SignatureAlgorithm
	family keyFamily
	// curve is the EC curve name ("P-256", "P-384", "P-521").
	curve string
	// raw is []byte, *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
	raw any
	// fp identifies the key material, to notice keys removed upstream.
	fp [32]byte
}

// verifiers holds one jws verifier per supported algorithm. They keep no
// state between calls, so they are shared.
var verifiers = func() map[jwa.SignatureAlgorithm]jws.Verifier {
	algs := []jwa.SignatureAlgorithm{
		jwa.HS256, jwa.HS384, jwa.HS512,
		jwa.RS256, jwa.RS384, jwa.RS512,
		jwa.PS256, jwa.PS384, jwa.PS512,
		jwa.ES256, jwa.ES384, jwa.ES512,
		jwa.EdDSA,
	}
	m := make(map[jwa.SignatureAlgorithm]jws.Verifier, len(algs))
	for _, alg := range algs {
		v, err := jws.NewVerifier(alg)
		if err != nil {
			panic("jwks: no verifier for " + alg.String() + ": " + err.Error())
		}
		m[alg] = v
	}
	return m
}()

// fits reports whether k may verify a token signed with alg.
func (k *key) fits(alg jwa.SignatureAlgorithm) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch alg {
	case jwa.HS256, jwa.HS384, jwa.HS512:
		return k.family == familyHMAC
	case jwa.RS256, jwa.RS384, jwa.RS512, jwa.PS256, jwa.PS384, jwa.PS512:
		return k.family == familyRSA
	case jwa.ES256:
		return k.family == familyEC && k.curve == "P-256"
	case jwa.ES384:
		return k.family == familyEC && k.curve == "P-384"
	case jwa.ES512:
		return k.family == familyEC && k.curve == "P-521"
	case jwa.EdDSA:
		return k.family == familyOKP
	}
	return false
}

// verify checks sig over input with k.
func (k *key) verify(alg jwa.SignatureAlgorithm, input, sig []byte) bool {
	v, ok := verifiers[alg]
	return ok && v.Verify(input, sig, k.raw) == nil
}

// secretKey wraps an HMAC secret.
func secretKey(secret []byte) *key {
	fp := sha256.Sum256(append([]byte("oct:"), secret...))
	return &key{family: familyHMAC, raw: secret, fp: fp}
}

// errSkipKey marks a JWK that is valid but not meant for verifying
// signatures (use "enc", an encryption alg, X25519 ...).
var errSkipKey = errors.New("not a signature verification key")

// keysFromSet converts the usable keys of set. It returns the keys and,
// for each key it could not use, the reason.
func keysFromSet(set jwk.Set) ([]*key, []error) {
	var keys []*key
	var skipped []error
	for i := range set.Len() {
		jk, _ := set.Key(i)
		k, err := keyFromJWK(jk)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("key %d (kid %q): %w", i, jk.KeyID(), err))
			continue
		}
		keys = append(keys, k)
	}
	return keys, skipped
}

// keyFromJWK converts one JWK, honouring its use, key_ops and alg.
func keyFromJWK(jk jwk.Key) (*key, error) {
	if use := jk.KeyUsage(); use != "" && use != "sig" {
		return nil, errSkipKey
	}
	if ops := jk.KeyOps(); len(ops) > 0 && !hasVerifyOp(ops) {
		return nil, errSkipKey
	}

	var raw any
	if err := jk.Raw(&raw); err != nil {
		return nil, fmt.Errorf("read key material: %w", err)
	}
	k, err := keyFromRaw(raw)
	if err != nil {
		return nil, err
	}
	k.kid = jk.KeyID()

	if a := jk.Algorithm().String(); a != "" {
		alg := jwa.SignatureAlgorithm(a)
		if _, ok := verifiers[alg]; !ok || !k.fits(alg) {
			return nil, fmt.Errorf("alg %q: %w", a, errSkipKey)
		}
		k.alg = alg
	}
	return k, nil
}

func hasVerifyOp(ops jwk.KeyOperationList) bool {
	for _, op := range ops {
		if op == jwk.KeyOpVerify {
			return true
		}
	}
	return false
}

// keyFromRaw turns raw key material into a public verification key.
// Private keys are reduced to their public halves.
func keyFromRaw(raw any) (*key, error) {
	switch r := raw.(type) {
	case *rsa.PrivateKey:
		return keyFromRaw(&r.PublicKey)
	case *ecdsa.PrivateKey:
		return keyFromRaw(&r.PublicKey)
	case ed25519.PrivateKey:
		return keyFromRaw(r.Public())
	case []byte:
		if len(r) < MinSecretBytes {
			return nil, fmt.Errorf("oct key shorter than %d bytes", MinSecretBytes)
		}
		return secretKey(r), nil
	case *rsa.PublicKey:
		if r.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key shorter than %d bits", minRSABits)
		}
		return publicKey(familyRSA, "", r)
	case *ecdsa.PublicKey:
		name := r.Curve.Params().Name
		switch name {
		case "P-256", "P-384", "P-521":
		default:
			return nil, fmt.Errorf("EC curve %q: %w", name, errSkipKey)
		}
		return publicKey(familyEC, name, r)
	case ed25519.PublicKey:
		if len(r) != ed25519.PublicKeySize {
			return nil, errors.New("bad Ed25519 key size")
		}
		return publicKey(familyOKP, "", r)
	}
	return nil, fmt.Errorf("key type %T: %w", raw, errSkipKey)
}

func publicKey(f keyFamily, curve string, pub any) (*key, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return &key{family: f, curve: curve, raw: pub, fp: sha256.Sum256(der)}, nil
}

// parseInlineJWKS parses a JWK or JWK Set given in the configuration.
func parseInlineJWKS(buf []byte) ([]*key, []error, error) {
	set, err := jwk.Parse(buf)
	if err != nil {
		return nil, nil, fmt.Errorf("parse JWK set: %w", err)
	}
	keys, skipped := keysFromSet(set)
	if len(keys) == 0 {
		err := fmt.Errorf("no usable signing key among %d: %w", set.Len(), errors.Join(skipped...))
		return nil, skipped, err
	}
	return keys, skipped, nil
}

// parsePEM parses one or more PEM blocks of public keys, certificates or
// private keys (reduced to public keys).
func parsePEM(buf []byte) ([]*key, error) {
	set, err := jwk.Parse(buf, jwk.WithPEM(true))
	if err != nil {
		return nil, fmt.Errorf("parse PEM: %w", err)
	}
	keys, skipped := keysFromSet(set)
	if len(skipped) > 0 {
		return nil, errors.Join(skipped...)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM block found")
	}
	return keys, nil
}
