package main

import (
	"errors"
	"net/url"
	"slices"
	"strings"
)

// configAuthAlgs are the signing algorithms of the auth service.
var configAuthAlgs = []string{"EdDSA", "ES256", "RS256"}

// validateAuth checks the auth-* settings; the secret only matters when the service is on.
func (c *Config) validateAuth() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, configErrorf(key, format, args...))
	}
	if c.AuthEnabled && len(c.AuthSecret) < 32 {
		bad("auth-secret", "must be at least 32 characters when auth-enabled is true, got %d",
			len(c.AuthSecret))
	}
	p := c.AuthPrefix
	if p != "" && (!strings.HasPrefix(p, "/") || strings.Trim(p, "/") == "" || strings.ContainsAny(p, "?#*: ")) {
		bad("auth-prefix", "must be a path below the root such as /auth, got %q", p)
	}
	if c.AuthJWTAlg != "" && !slices.Contains(configAuthAlgs, c.AuthJWTAlg) {
		bad("auth-jwt-alg", "must be one of %s, got %q", strings.Join(configAuthAlgs, ", "), c.AuthJWTAlg)
	}
	if c.AuthEnabled && c.AuthRequireEmailVerification && c.AuthBaseURL == "" {
		bad("auth-base-url", "must be set when auth-require-email-verification is true: "+
			"verification links are built from it, never from request headers")
	}
	if c.AuthBaseURL != "" {
		u, err := url.Parse(c.AuthBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("auth-base-url", "must be an absolute http or https URL, got %q", c.AuthBaseURL)
		}
	}
	return errors.Join(errs...)
}
