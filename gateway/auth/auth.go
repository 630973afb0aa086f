// Package auth is rowgate's built-in auth service, compatible with Neon
// Auth: the email-and-password routes of Better Auth (sign-up, sign-in,
// get-session, sign-out) and its JWT plugin's routes (token, jwks), served
// under a prefix of the Data API's origin. Users, hashed credentials,
// hashed session tokens and sealed signing keys live in the neon_auth
// schema (see [pgsql.AuthStore]).
//
// A browser signs in and holds an opaque HttpOnly session cookie; the
// service mints short-lived JWTs (sub, email, role, iat, exp) signed with
// keys it publishes as a JWK Set, which the gateway verifies through the
// same JWKS path as any provider's. The service also lets the Data API
// accept the session cookie itself ([Service.Authorization]).
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/jwks"
	pgsql "github.com/rowgate/rowgate/sql"
)

// Defaults applied by [New] to zero-valued [Config] fields.
const (
	DefaultPrefix               = "/auth"
	DefaultRole                 = "authenticated"
	DefaultSessionLifetime      = 7 * 24 * time.Hour
	DefaultSessionUpdateAge     = 24 * time.Hour
	DefaultVerificationLifetime = time.Hour
	DefaultCookieCacheTTL       = 10 * time.Second
	MinPasswordLength           = 8
	MaxPasswordLength           = 128
)

// Config configures a [Service].
type Config struct {
	// Store reads and writes the neon_auth schema; required.
	Store *pgsql.AuthStore
	// Secret seals the signing keys stored in neon_auth.jwks; at least
	// jwks.MinSecretBytes bytes, required. Changing it makes the stored
	// keys unreadable, and New fails.
	Secret []byte
	// Prefix is the path the routes live under; "" means "/auth".
	Prefix string
	// JWTAlg signs the tokens: "EdDSA" (the default when ""), "ES256" or
	// "RS256".
	JWTAlg string
	// TokenLifetime is how long a JWT is valid; 0 means 15 min.
	TokenLifetime time.Duration
	// KeyRotation is how long a signing key is used before a new one
	// replaces it; 0 never rotates on a schedule.
	KeyRotation time.Duration
	// KeyGracePeriod is how long a replaced key stays published; 0 means
	// 30 days.
	KeyGracePeriod time.Duration
	// Role is the role claim of the tokens; "" means "authenticated".
	Role string
	// Issuer and Audience, when set, become the iss and aud claims.
	Issuer   string
	Audience string

	// SessionLifetime is how long a session lasts without use; 0 means 7
	// days. SessionUpdateAge is how old a session's expiry may get before
	// get-session pushes it forward again; 0 means 1 day.
	SessionLifetime  time.Duration
	SessionUpdateAge time.Duration
	// CookieCacheTTL is how long the Data API reuses the claims of a
	// session cookie before looking the session up again; 0 means 10 s.
	// A session revoked by another instance may act for that long.
	CookieCacheTTL time.Duration

	// RequireEmailVerification withholds sessions until the user follows
	// the link sent by Sender.
	RequireEmailVerification bool
	// VerificationLifetime is how long a verification link works; 0 means
	// 1 h.
	VerificationLifetime time.Duration
	// Sender delivers verification email; nil means [LogSender], a
	// development sender that writes the links to Logger at warn level.
	Sender Sender
	// BaseURL is the public URL of the API (such as
	// "https://api.example.com"), used in emailed links and as an origin
	// whose pages and redirect targets are trusted (beside the origin each
	// request was sent to, for pages). Links are never built from request
	// headers, which a client controls: BaseURL is required with
	// RequireEmailVerification, and without it no email is sent.
	BaseURL string
	// AllowedOrigins are other origins whose pages may use the session
	// cookie (server-cors-allowed-origins). The API's own origin always
	// may.
	AllowedOrigins []string

	// AddressLimit caps requests to the credential routes per client
	// address; the zero value means DefaultAddressLimit.
	AddressLimit Limit
	// AccountLimit caps failed sign-ins per email from one client
	// address; the zero value means DefaultAccountLimit. It is counted per
	// address so that failures sent from elsewhere never lock the owner
	// out.
	AccountLimit Limit
	// AccountSlowdown delays sign-ins on an email that failed from many
	// addresses; the zero value means DefaultAccountSlowdown.
	AccountSlowdown Slowdown

	// Logger receives errors and, from the default Sender, links; nil
	// means slog.Default().
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Service serves the auth routes. It is safe for concurrent use.
type Service struct {
	cfg      Config
	store    *pgsql.AuthStore
	signer   *jwks.Signer
	hasher   *hasher
	byAddr   *limiter
	byAcct   *limiter
	slow     *slowdown
	cookies  *cookieCache
	log      *slog.Logger
	baseURL  *url.URL
	origins  map[string]bool
	sender   Sender
	prefix   string
	userRole string
}

// New checks cfg, loads (or makes) the signing keys and returns the
// service. Its routes are added to a server by Register.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	s := &Service{
		cfg:      cfg,
		store:    cfg.Store,
		hasher:   newHasher(),
		byAddr:   newLimiter(cfg.AddressLimit, cfg.Now),
		byAcct:   newLimiter(cfg.AccountLimit, cfg.Now),
		slow:     newSlowdown(cfg.AccountSlowdown, cfg.Now),
		cookies:  newCookieCache(cfg.CookieCacheTTL, cfg.Now),
		log:      cfg.Logger,
		origins:  map[string]bool{},
		sender:   cfg.Sender,
		prefix:   cfg.Prefix,
		userRole: cfg.Role,
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("auth: BaseURL must be an absolute http or https URL")
		}
		s.baseURL = u
		s.origins[u.Scheme+"://"+u.Host] = true
	}
	for _, o := range cfg.AllowedOrigins {
		s.origins[strings.TrimRight(o, "/")] = true
	}

	signer, err := jwks.NewSigner(ctx, jwks.SignerConfig{
		Store:            keyStore{cfg.Store},
		Secret:           cfg.Secret,
		Alg:              cfg.JWTAlg,
		Lifetime:         cfg.TokenLifetime,
		RotationInterval: cfg.KeyRotation,
		GracePeriod:      cfg.KeyGracePeriod,
		Now:              cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: signing keys: %w", err)
	}
	s.signer = signer
	return s, nil
}

func (c *Config) withDefaults() error {
	if c.Store == nil {
		return errors.New("auth: Store is required")
	}
	if len(c.Secret) < jwks.MinSecretBytes {
		return fmt.Errorf("auth: the secret must be at least %d bytes", jwks.MinSecretBytes)
	}
	if c.RequireEmailVerification && c.BaseURL == "" {
		return errors.New("auth: BaseURL is required with RequireEmailVerification: " +
			"verification links are built from it, never from request headers")
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	c.Prefix = "/" + strings.Trim(c.Prefix, "/")
	if c.Prefix == "/" {
		return errors.New("auth: the prefix must not be the root path")
	}
	if c.Role == "" {
		c.Role = DefaultRole
	}
	if c.SessionLifetime == 0 {
		c.SessionLifetime = DefaultSessionLifetime
	}
	if c.SessionUpdateAge == 0 {
		c.SessionUpdateAge = DefaultSessionUpdateAge
	}
	if c.CookieCacheTTL == 0 {
		c.CookieCacheTTL = DefaultCookieCacheTTL
	}
	if c.VerificationLifetime == 0 {
		c.VerificationLifetime = DefaultVerificationLifetime
	}
	if c.AddressLimit == (Limit{}) {
		c.AddressLimit = DefaultAddressLimit
	}
	if c.AccountLimit == (Limit{}) {
		c.AccountLimit = DefaultAccountLimit
	}
	if c.AccountSlowdown == (Slowdown{}) {
		c.AccountSlowdown = DefaultAccountSlowdown
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Sender == nil {
		c.Sender = LogSender{Logger: c.Logger}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Signer returns the service's token signer.
func (s *Service) Signer() *jwks.Signer { return s.signer }

// Prefix returns the path the routes live under, such as "/auth".
func (s *Service) Prefix() string { return s.prefix }

// Register adds the routes under the prefix to e.
func (s *Service) Register(e *echo.Echo) {
	g := e.Group(s.prefix)
	g.POST("/sign-up/email", s.handle(s.signUp))
	g.POST("/sign-in/email", s.handle(s.signIn))
	g.GET("/get-session", s.handle(s.getSession))
	g.POST("/sign-out", s.handle(s.signOut))
	g.GET("/token", s.handle(s.token))
	g.GET("/jwks", s.handle(s.jwks))
	g.GET("/verify-email", s.handle(s.verifyEmail))
	g.POST("/send-verification-email", s.handle(s.sendVerificationEmail))
}

// handle turns a route's error into a Better Auth error answer and keeps
// every answer out of caches.
func (s *Service) handle(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		if err := h(c); err != nil {
			return s.writeError(c, err)
		}
		return nil
	}
}
