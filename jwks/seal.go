package jwks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealPrefix marks the format of a sealed private key: AES-256-GCM, a
// 12-byte nonce, base64url without padding.
const sealPrefix = "v1."

// sealInfo binds the derived key to this one use of the secret.
const sealInfo = "rowgate neon_auth.jwks private key"

// errUnseal means a sealed key did not decrypt: a wrong secret or
// tampering.
var errUnseal = errors.New("cannot decrypt a stored private key (wrong auth secret?)")

// newSealer derives the AES-256-GCM key from secret with HKDF-SHA256.
func newSealer(secret []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, secret, nil, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("new cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// seal encrypts plain, authenticating kid with it so a sealed key cannot
// be moved to another row.
func seal(aead cipher.AEAD, kid string, plain []byte) (string, error) {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, plain, []byte(kid))
	return sealPrefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// unseal reverses seal.
func unseal(aead cipher.AEAD, kid, sealed string) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return nil, errUnseal
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, errUnseal
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, raw[:n], raw[n:], []byte(kid))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}
