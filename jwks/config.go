package jwks

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Defaults applied by [New] to zero-valued [Config] fields.
const (
	DefaultLeeway             = 30 * time.Second
	DefaultCacheMaxLifetime   = 5 * time.Minute
	DefaultRefreshInterval    = 5 * time.Minute
	DefaultMinRefreshInterval = 10 * time.Second
	DefaultMaxStaleness       = 24 * time.Hour
	DefaultHTTPTimeout        = 10 * time.Second

	// MinSecretBytes is the shortest HMAC secret accepted, as in PostgREST.
	MinSecretBytes = 32
)

// Bounds within which a JWKS response's Cache-Control max-age is honoured.
const (
	minMaxAge = time.Minute
	maxMaxAge = 24 * time.Hour
)

// Config says where keys come from and how tokens become identities.
// Several key sources may be set at once; each key is tried where its type
// fits the token's algorithm.
type Config struct {
	// Secret is an HMAC secret (HS256/384/512) of at least MinSecretBytes
	// bytes; nil if none.
	Secret []byte
	// JWKS is an inline JWK or JWK Set in JSON; nil if none.
	JWKS []byte
	// JWKSURL is an http(s) URL serving a JWK Set; "" if none. It is
	// fetched in the background and never while a request waits, except
	// for one shared fetch when a token names an unknown kid.
	JWKSURL string
	// PEM holds PEM-encoded public keys or certificates; nil if none.
	PEM []byte

	// Audience, when set, must be the token's aud (a string, or one
	// element of an array). A token without aud is refused. It applies to
	// the keys of Secret, JWKS, JWKSURL and PEM only.
	Audience string
	// Issuer, when set, must equal the token's iss. It applies to the keys
	// of Secret, JWKS, JWKSURL and PEM only.
	Issuer string

	// Providers are more key sources, each with its own issuer, audience
	// and role settings; see [Provider]. They are tried after the keys of
	// the fields above, which act as one more provider. A token is
	// accepted when one provider's key verifies it and its claims pass
	// that provider's checks.
	Providers []Provider

	// RoleClaimKey is the path of the role inside the claims, in
	// PostgREST's syntax: ".role" (the default when ""), "$.role",
	// ".app_metadata.role", ".roles[0]", `."https://example.com/role"`.
	RoleClaimKey string
	// DefaultRole is the role of valid tokens without a role claim; ""
	// means AnonRole, as in PostgREST.
	DefaultRole string
	// AnonRole is the role of requests without a token; "" refuses them
	// with 401 PGRST302.
	AnonRole string
	// AllowedRoles, when not empty, lists the only roles a token may
	// claim; any other is refused with 401 PGRST303. DefaultRole and
	// AnonRole are not checked against it.
	AllowedRoles []string
	// DeniedRoles lists roles no token may claim, even one AllowedRoles
	// lists; they are refused with 401 PGRST303. Put the login role here:
	// the database lets a session switch to its own login role, so a token
	// naming it would otherwise run with the login's privileges.
	DeniedRoles []string

	// Leeway is the clock skew allowed for exp, nbf and iat; 0 means
	// DefaultLeeway (30 s) unless LeewaySet is true.
	Leeway time.Duration
	// LeewaySet makes Leeway apply as given, so that 0 means no leeway at
	// all rather than DefaultLeeway.
	LeewaySet bool

	// CacheMaxEntries bounds the verified-token cache; 0 disables it.
	CacheMaxEntries int
	// CacheMaxLifetime is the longest an entry stays cached, and never
	// past the token's exp; 0 means DefaultCacheMaxLifetime (5 min).
	CacheMaxLifetime time.Duration

	// RefreshInterval is how often the JWKS URL is fetched when its
	// response has no Cache-Control max-age; 0 means 5 min, and it must be
	// at least 1 s. A max-age is honoured between 1 min and 24 h.
	RefreshInterval time.Duration
	// MinRefreshInterval limits fetches triggered by unknown kids to one
	// per interval; 0 means DefaultMinRefreshInterval (10 s).
	MinRefreshInterval time.Duration
	// MaxStaleness is how long the last good key set stays usable after
	// its refresh was due and fetches keep failing; 0 means 24 h.
	MaxStaleness time.Duration
	// HTTPClient fetches the JWKS URL; nil means a client with a 10 s
	// timeout.
	HTTPClient *http.Client

	// Logger receives refresh failures and rejections at debug level;
	// nil means slog.Default(). Tokens and claim values are never logged.
	Logger *slog.Logger

	// OnVerify, when set, is called once per Identify with outcome "ok"
	// or "rejected" and a short snake_case reason ("anonymous", "cached",
	// "verified", "expired", "bad_signature", ...).
	OnVerify func(outcome, reason string)
	// OnRefresh, when set, is called after every JWKS URL fetch with its
	// error (nil on success) and the number of usable keys it returned.
	OnRefresh func(err error, keys int)
}

// ConfigError reports a [Config] field that [New] cannot accept.
type ConfigError struct {
	// Field is the name of the Config field.
	Field string
	// Err says what is wrong with it.
	Err error
}

// Error names the field and the problem.
func (e *ConfigError) Error() string {
	return "jwks: invalid " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns the underlying problem.
func (e *ConfigError) Unwrap() error { return e.Err }

func configErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Leeway == 0 && !c.LeewaySet {
		c.Leeway = DefaultLeeway
	}
	if c.CacheMaxLifetime == 0 {
		c.CacheMaxLifetime = DefaultCacheMaxLifetime
	}
	if c.RefreshInterval == 0 {
		c.RefreshInterval = DefaultRefreshInterval
	}
	if c.MinRefreshInterval == 0 {
		c.MinRefreshInterval = DefaultMinRefreshInterval
	}
	if c.MaxStaleness == 0 {
		c.MaxStaleness = DefaultMaxStaleness
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// validate checks the settings that need no parsing of key material.
func (c Config) validate() error {
	// Key sources.
	if c.Secret != nil && len(c.Secret) < MinSecretBytes {
		return configErr("Secret", "must be at least %d bytes, got %d",
			MinSecretBytes, len(c.Secret))
	}
	if err := validateJWKSURL(c.JWKSURL); err != nil {
		return &ConfigError{Field: "JWKSURL", Err: err}
	}
	for i := range c.Providers {
		if err := c.Providers[i].validate(i); err != nil {
			return err
		}
	}

	// Roles.
	roles := map[string]string{"DefaultRole": c.DefaultRole, "AnonRole": c.AnonRole}
	for field, role := range roles {
		if role != "" && !validRole(role) {
			return configErr(field, "%q is not a valid role name", role)
		}
	}
	for field, list := range map[string][]string{"AllowedRoles": c.AllowedRoles, "DeniedRoles": c.DeniedRoles} {
		for i, role := range list {
			if !validRole(role) {
				return configErr(field, "element %d (%q) is not a valid role name", i, role)
			}
		}
	}

	// Durations and sizes.
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"Leeway", c.Leeway},
		{"CacheMaxLifetime", c.CacheMaxLifetime},
		{"RefreshInterval", c.RefreshInterval},
		{"MinRefreshInterval", c.MinRefreshInterval},
		{"MaxStaleness", c.MaxStaleness},
	}
	for _, d := range durations {
		if d.d < 0 {
			return configErr(d.name, "must not be negative")
		}
	}
	if c.RefreshInterval > 0 && c.RefreshInterval < time.Second {
		return configErr("RefreshInterval", "must be at least 1s")
	}
	if c.CacheMaxEntries < 0 {
		return configErr("CacheMaxEntries", "must not be negative")
	}
	return nil
}

// validRole reports whether s can be a PostgreSQL role name: 1 to 63
// bytes without NUL.
func validRole(s string) bool {
	return len(s) > 0 && len(s) <= 63 && !strings.ContainsRune(s, 0) && !reservedRole(s)
}

// reservedRole reports names that set_config('role', …) does not treat as
// a role: "none" resets the role to the login user, so a token claiming it
// would run with the authenticator's own privileges.
func reservedRole(s string) bool {
	return strings.EqualFold(s, "none")
}
