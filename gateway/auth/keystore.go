package auth

import (
	"context"
	"time"

	"github.com/rowgate/rowgate/jwks"
	pgsql "github.com/rowgate/rowgate/sql"
)

// keyStore keeps the signer's keys in neon_auth.jwks.
type keyStore struct {
	store *pgsql.AuthStore
}

func (k keyStore) Keys(ctx context.Context) ([]jwks.StoredKey, error) {
	rows, err := k.store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]jwks.StoredKey, len(rows))
	for i, r := range rows {
		out[i] = jwks.StoredKey{ID: r.ID, PublicKey: r.PublicKey, PrivateKey: r.PrivateKey,
			CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
	}
	return out, nil
}

func (k keyStore) AddKey(ctx context.Context, sk jwks.StoredKey) error {
	return k.store.AddKey(ctx, pgsql.AuthKey{ID: sk.ID, PublicKey: sk.PublicKey,
		PrivateKey: sk.PrivateKey, CreatedAt: sk.CreatedAt, ExpiresAt: sk.ExpiresAt})
}

func (k keyStore) ExpireKey(ctx context.Context, id string, at time.Time) error {
	return k.store.ExpireKey(ctx, id, at)
}
