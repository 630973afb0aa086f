package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate/gateway"
	"github.com/rowgate/rowgate/gateway/auth"
	"github.com/rowgate/rowgate/jwks"
	pgsql "github.com/rowgate/rowgate/sql"
)

// newAuthService starts the built-in auth service over the pool when auth-enabled is set,
// and returns nil otherwise. Its tables come from `rowgate setup`.
func newAuthService(ctx context.Context, cfg Config, pool *pgxpool.Pool, logger *slog.Logger) (*auth.Service, error) {
	if !cfg.AuthEnabled {
		return nil, nil
	}
	svc, err := auth.New(ctx, auth.Config{
		Store:                    pgsql.NewAuthStore(pool),
		Secret:                   []byte(cfg.AuthSecret),
		Prefix:                   cfg.AuthPrefix,
		JWTAlg:                   cfg.AuthJWTAlg,
		RequireEmailVerification: cfg.AuthRequireEmailVerification,
		BaseURL:                  cfg.AuthBaseURL,
		Issuer:                   cfg.JWTIssuer,
		Audience:                 cfg.JWTAud,
		AllowedOrigins:           cfg.ServerCORSAllowedOrigins,
		Logger:                   logger,
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "42P01" || pe.Code == "3F000") {
		return nil, fmt.Errorf("auth-enabled: the neon_auth schema is missing; run `rowgate setup` first: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("auth-enabled: %w", err)
	}
	return svc, nil
}

// withAuthProvider makes the auth service one more token provider of the verifier: its JWKS
// is fetched like any provider's, from an address answered inside the process.
func withAuthProvider(jc *jwks.Config, svc *auth.Service) {
	if svc == nil {
		return
	}
	jc.Providers = append(jc.Providers, svc.Provider())
	base := jc.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: jwks.DefaultHTTPTimeout}
	}
	client := *base
	next := client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	client.Transport = svc.Transport(next)
	jc.HTTPClient = &client
}

// authOptions returns the gateway's session authenticator and route sets: the auth service's
// when it runs, then extra.
func authOptions(svc *auth.Service, extra []gateway.RouteSet) (gateway.SessionAuthenticator, []gateway.RouteSet) {
	if svc == nil {
		return nil, extra
	}
	return svc, append([]gateway.RouteSet{svc}, extra...)
}
