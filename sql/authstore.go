package pgsql

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Errors of [AuthStore]; test with errors.Is.
var (
	// ErrNotFound means no live row matched.
	ErrNotFound = errors.New("pgsql: not found")
	// ErrEmailTaken means a user with that email exists.
	ErrEmailTaken = errors.New("pgsql: email already registered")
)

// AuthDB is what [AuthStore] needs from a connection or pool.
// *pgxpool.Pool satisfies it.
type AuthDB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// AuthStore reads and writes the neon_auth schema that [Setup] installs.
// It is safe for concurrent use when its AuthDB is.
type AuthStore struct {
	db AuthDB
}

// NewAuthStore returns a store over db, which must be logged in as a role
// granted the neon_auth tables (the authenticator).
func NewAuthStore(db AuthDB) *AuthStore {
	return &AuthStore{db: db}
}

// AuthUser is a row of neon_auth.user.
type AuthUser struct {
	ID            string
	Name          string
	Email         string
	EmailVerified bool
	// Image is a URL, or "" for none.
	Image     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AuthSession is a row of neon_auth.session. TokenHash is the digest of
// the token the client holds, never the token.
type AuthSession struct {
	ID        string
	UserID    string
	TokenHash string
	ExpiresAt time.Time
	IPAddress string
	UserAgent string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AuthKey is a row of neon_auth.jwks: a signing key with its public JWK
// in clear and its private JWK sealed. ExpiresAt is zero when the key does
// not expire.
type AuthKey struct {
	ID         string
	PublicKey  string
	PrivateKey string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

const userColumns = `u.id::text, u.name, u.email, u."emailVerified", coalesce(u.image, ''),
	u."createdAt", u."updatedAt"`

func scanUser(row pgx.Row, extra ...any) (AuthUser, error) {
	var u AuthUser
	dest := append([]any{&u.ID, &u.Name, &u.Email, &u.EmailVerified, &u.Image,
		&u.CreatedAt, &u.UpdatedAt}, extra...)
	err := row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, ErrNotFound
	}
	return u, err
}

// CreateUser adds a user with an email-and-password account (provider
// "credential") whose password column holds passwordHash. email must be
// normalised already. It returns [ErrEmailTaken] when the email is in use.
func (s *AuthStore) CreateUser(ctx context.Context, name, email, image, passwordHash string) (AuthUser, error) {
	var u AuthUser
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		const qu = `INSERT INTO neon_auth."user" AS u (name, email, image)
			VALUES ($1, $2, NULLIF($3, '')) RETURNING ` + userColumns
		var err error
		if u, err = scanUser(tx.QueryRow(ctx, qu, name, email, image)); err != nil {
			return err
		}
		const qa = `INSERT INTO neon_auth.account ("userId", "accountId", "providerId", password)
			VALUES ($1::uuid, $1::text, 'credential', $2)`
		_, err = tx.Exec(ctx, qa, u.ID, passwordHash)
		return err
	})
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "23505" {
		return AuthUser{}, ErrEmailTaken
	}
	if err != nil {
		return AuthUser{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// Credentials returns the user with email and the password hash of their
// credential account, or [ErrNotFound].
func (s *AuthStore) Credentials(ctx context.Context, email string) (AuthUser, string, error) {
	const q = `SELECT ` + userColumns + `, a.password
		FROM neon_auth."user" u
		JOIN neon_auth.account a ON a."userId" = u.id AND a."providerId" = 'credential'
		WHERE u.email = $1 AND a.password IS NOT NULL`
	var hash string
	u, err := scanUser(s.db.QueryRow(ctx, q, email), &hash)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return u, "", fmt.Errorf("look up credentials: %w", err)
	}
	return u, hash, err
}

// UserByEmail returns the user with email, or [ErrNotFound].
func (s *AuthStore) UserByEmail(ctx context.Context, email string) (AuthUser, error) {
	const q = `SELECT ` + userColumns + ` FROM neon_auth."user" u WHERE u.email = $1`
	u, err := scanUser(s.db.QueryRow(ctx, q, email))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return u, fmt.Errorf("look up user: %w", err)
	}
	return u, err
}

// SetEmailVerified marks the user's email as verified.
func (s *AuthStore) SetEmailVerified(ctx context.Context, userID string) error {
	const q = `UPDATE neon_auth."user" SET "emailVerified" = true, "updatedAt" = now()
		WHERE id = $1`
	tag, err := s.db.Exec(ctx, q, userID)
	if err != nil {
		return fmt.Errorf("verify email: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// CreateSession stores a session; ID, CreatedAt and UpdatedAt are filled
// in from the database.
func (s *AuthStore) CreateSession(ctx context.Context, se AuthSession) (AuthSession, error) {
	const q = `INSERT INTO neon_auth.session ("userId", token, "expiresAt", "ipAddress", "userAgent")
		VALUES ($1, $2, $3, NULLIF($4, ''), NULLIF($5, ''))
		RETURNING id::text, "createdAt", "updatedAt"`
	err := s.db.QueryRow(ctx, q, se.UserID, se.TokenHash, se.ExpiresAt, se.IPAddress, se.UserAgent).
		Scan(&se.ID, &se.CreatedAt, &se.UpdatedAt)
	if err != nil {
		return se, fmt.Errorf("create session: %w", err)
	}
	return se, nil
}

// Session returns the unexpired session whose token digest is tokenHash
// and its user, or [ErrNotFound].
func (s *AuthStore) Session(ctx context.Context, tokenHash string) (AuthSession, AuthUser, error) {
	const q = `SELECT ` + userColumns + `, s.id::text, s."userId"::text, s.token, s."expiresAt",
			coalesce(s."ipAddress", ''), coalesce(s."userAgent", ''), s."createdAt", s."updatedAt"
		FROM neon_auth.session s JOIN neon_auth."user" u ON u.id = s."userId"
		WHERE s.token = $1 AND s."expiresAt" > now()`
	var se AuthSession
	u, err := scanUser(s.db.QueryRow(ctx, q, tokenHash), &se.ID, &se.UserID, &se.TokenHash,
		&se.ExpiresAt, &se.IPAddress, &se.UserAgent, &se.CreatedAt, &se.UpdatedAt)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return se, u, fmt.Errorf("look up session: %w", err)
	}
	return se, u, err
}

// ExtendSession moves the expiry of session id to expiresAt.
func (s *AuthStore) ExtendSession(ctx context.Context, id string, expiresAt time.Time) error {
	const q = `UPDATE neon_auth.session SET "expiresAt" = $2, "updatedAt" = now() WHERE id = $1`
	if _, err := s.db.Exec(ctx, q, id, expiresAt); err != nil {
		return fmt.Errorf("extend session: %w", err)
	}
	return nil
}

// DeleteSession removes the session whose token digest is tokenHash. It
// reports whether one was removed.
func (s *AuthStore) DeleteSession(ctx context.Context, tokenHash string) (bool, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM neon_auth.session WHERE token = $1`, tokenHash)
	if err != nil {
		return false, fmt.Errorf("delete session: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// DeleteExpiredSessions removes the user's sessions that have expired.
func (s *AuthStore) DeleteExpiredSessions(ctx context.Context, userID string) (int64, error) {
	const q = `DELETE FROM neon_auth.session WHERE "userId" = $1 AND "expiresAt" <= now()`
	tag, err := s.db.Exec(ctx, q, userID)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

// CreateVerification stores a verification token's digest for identifier,
// replacing earlier ones for the same identifier.
func (s *AuthStore) CreateVerification(ctx context.Context, identifier, valueHash string, expiresAt time.Time) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		const qd = `DELETE FROM neon_auth.verification WHERE identifier = $1`
		if _, err := tx.Exec(ctx, qd, identifier); err != nil {
			return fmt.Errorf("replace verification: %w", err)
		}
		const qi = `INSERT INTO neon_auth.verification (identifier, value, "expiresAt")
			VALUES ($1, $2, $3)`
		if _, err := tx.Exec(ctx, qi, identifier, valueHash, expiresAt); err != nil {
			return fmt.Errorf("create verification: %w", err)
		}
		return nil
	})
}

// ConsumeVerification deletes the unexpired verification whose digest is
// valueHash and returns its identifier, or [ErrNotFound]. A token works
// once.
func (s *AuthStore) ConsumeVerification(ctx context.Context, valueHash string) (string, error) {
	const q = `DELETE FROM neon_auth.verification WHERE value = $1
		RETURNING identifier, "expiresAt" > now()`
	var identifier string
	var live bool
	err := s.db.QueryRow(ctx, q, valueHash).Scan(&identifier, &live)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", ErrNotFound
	case err != nil:
		return "", fmt.Errorf("consume verification: %w", err)
	case !live:
		return "", ErrNotFound
	}
	return identifier, nil
}

// Keys returns every stored signing key, oldest first.
func (s *AuthStore) Keys(ctx context.Context) ([]AuthKey, error) {
	const q = `SELECT id, "publicKey", "privateKey", "createdAt", "expiresAt"
		FROM neon_auth.jwks ORDER BY "createdAt", id`
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (AuthKey, error) {
		var k AuthKey
		var exp *time.Time
		err := row.Scan(&k.ID, &k.PublicKey, &k.PrivateKey, &k.CreatedAt, &exp)
		if exp != nil {
			k.ExpiresAt = *exp
		}
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return keys, nil
}

// AddKey stores a signing key.
func (s *AuthStore) AddKey(ctx context.Context, k AuthKey) error {
	const q = `INSERT INTO neon_auth.jwks (id, "publicKey", "privateKey", "createdAt", "expiresAt")
		VALUES ($1, $2, $3, $4, $5)`
	var exp *time.Time
	if !k.ExpiresAt.IsZero() {
		exp = &k.ExpiresAt
	}
	if _, err := s.db.Exec(ctx, q, k.ID, k.PublicKey, k.PrivateKey, k.CreatedAt, exp); err != nil {
		return fmt.Errorf("store signing key: %w", err)
	}
	return nil
}

// ExpireKey sets the expiry of key id to at, unless it already expires
// earlier.
func (s *AuthStore) ExpireKey(ctx context.Context, id string, at time.Time) error {
	const q = `UPDATE neon_auth.jwks SET "expiresAt" = $2
		WHERE id = $1 AND ("expiresAt" IS NULL OR "expiresAt" > $2)`
	if _, err := s.db.Exec(ctx, q, id, at); err != nil {
		return fmt.Errorf("expire signing key: %w", err)
	}
	return nil
}
