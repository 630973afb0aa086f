package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/scrypt"
	"golang.org/x/text/unicode/norm"
)

// The scrypt parameters and hash format are Better Auth's, so accounts
// moved from Neon Auth keep their passwords: the password in NFKC form,
// a 16-byte random salt used as its hex text, N=2^14, r=16, p=1, a 64-byte
// key, stored as "salthex:keyhex". Each hash takes 32 MiB of memory.
const (
	scryptN      = 1 << 14
	scryptR      = 16
	scryptP      = 1
	scryptKeyLen = 64
	saltBytes    = 16
)

// errBadHash means a stored hash is not in the expected format.
var errBadHash = errors.New("stored password hash has an unknown format")

// hasher hashes and checks passwords, running at most a few scrypt
// computations at once so that a burst of sign-ins cannot exhaust memory.
type hasher struct {
	slots chan struct{}

	dummyOnce sync.Once
	dummy     string // a hash of nothing, checked when no account matches
}

func newHasher() *hasher {
	return &hasher{slots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
}

// hash returns the stored form of password with a fresh salt.
func (h *hasher) hash(ctx context.Context, password string) (string, error) {
	var raw [saltBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	salt := hex.EncodeToString(raw[:])
	key, err := h.derive(ctx, password, salt)
	if err != nil {
		return "", err
	}
	return salt + ":" + hex.EncodeToString(key), nil
}

// verify reports whether password matches stored. It takes as long for a
// wrong password as for a right one.
func (h *hasher) verify(ctx context.Context, stored, password string) (bool, error) {
	salt, keyHex, ok := strings.Cut(stored, ":")
	want, err := hex.DecodeString(keyHex)
	if !ok || salt == "" || err != nil || len(want) != scryptKeyLen {
		return false, errBadHash
	}
	got, err := h.derive(ctx, password, salt)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// burn does the work of a failed verify, so an unknown email costs the
// same time as a wrong password.
func (h *hasher) burn(ctx context.Context, password string) {
	h.dummyOnce.Do(func() {
		h.dummy, _ = h.hash(context.Background(), "")
	})
	_, _ = h.verify(ctx, h.dummy, password)
}

func (h *hasher) derive(ctx context.Context, password, salt string) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	key, err := scrypt.Key([]byte(norm.NFKC.String(password)), []byte(salt),
		scryptN, scryptR, scryptP, scryptKeyLen)
	if err != nil {
		return nil, fmt.Errorf("scrypt: %w", err)
	}
	return key, nil
}
