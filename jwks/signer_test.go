package jwks

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// memKeys is a KeyStore in memory.
type memKeys struct {
	mu   sync.Mutex
	keys []StoredKey
}

func (m *memKeys) Keys(context.Context) ([]StoredKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]StoredKey(nil), m.keys...), nil
}

func (m *memKeys) AddKey(_ context.Context, k StoredKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys = append(m.keys, k)
	return nil
}

func (m *memKeys) ExpireKey(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].ID == id && (m.keys[i].ExpiresAt.IsZero() || m.keys[i].ExpiresAt.After(at)) {
			m.keys[i].ExpiresAt = at
		}
	}
	return nil
}

func TestNewSignerRejectsBadConfig(t *testing.T) {
	t.Parallel()
	secret := []byte(strings.Repeat("s", 32))
	tests := []struct {
		name  string
		cfg   SignerConfig
		field string
	}{
		{"no store", SignerConfig{Secret: secret}, "Store"},
		{"short secret", SignerConfig{Store: &memKeys{}, Secret: []byte("short")}, "Secret"},
		{"bad alg", SignerConfig{Store: &memKeys{}, Secret: secret, Alg: "HS256"}, "Alg"},
		{"grace below lifetime", SignerConfig{Store: &memKeys{}, Secret: secret,
			Lifetime: time.Hour, GracePeriod: time.Minute}, "GracePeriod"},
	}
	for _, tt := range tests {
		_, err := NewSigner(context.Background(), tt.cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("%s: %v, want a ConfigError for %s", tt.name, err, tt.field)
		}
	}
}

func TestSealedKeysResistTampering(t *testing.T) {
	t.Parallel()
	aead, err := newSealer([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := seal(aead, "kid-1", []byte(`{"d":"secret"}`))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := unseal(aead, "kid-1", sealed); err != nil || string(plain) != `{"d":"secret"}` {
		t.Fatalf("round trip: %q %v", plain, err)
	}
	flipped := []byte(sealed)
	flipped[len(flipped)-2] ^= 1
	other, _ := newSealer([]byte(strings.Repeat("t", 32)))
	cases := []struct {
		name string
		open func() error
	}{
		{"other kid", func() error { _, err := unseal(aead, "kid-2", sealed); return err }},
		{"other secret", func() error { _, err := unseal(other, "kid-1", sealed); return err }},
		{"flipped bit", func() error { _, err := unseal(aead, "kid-1", string(flipped)); return err }},
		{"no prefix", func() error { _, err := unseal(aead, "kid-1", sealed[3:]); return err }},
		{"truncated", func() error { _, err := unseal(aead, "kid-1", sealed[:10]); return err }},
	}
	for _, c := range cases {
		if err := c.open(); !errors.Is(err, ErrUnseal) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestSignerSharesKeysThroughTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &memKeys{}
	cfg := SignerConfig{Store: store, Secret: []byte(strings.Repeat("s", 32))}
	a, err := NewSigner(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSigner(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(store.keys) != 1 {
		t.Fatalf("two signers made %d keys", len(store.keys))
	}
	ta, _ := a.Sign(ctx, map[string]any{"sub": "x"})
	tb, _ := b.Sign(ctx, map[string]any{"sub": "x"})
	ha, _, _ := strings.Cut(ta, ".")
	hb, _, _ := strings.Cut(tb, ".")
	if ha != hb {
		t.Error("two signers over one store sign with different keys")
	}
}
