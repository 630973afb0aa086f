package jwks

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
)

// Provider is one issuer of tokens: where its keys come from and what its
// tokens must claim. A token is accepted when a key of a provider verifies
// its signature and the token passes that provider's issuer and audience
// checks; a key of one provider never vouches for another's claims.
type Provider struct {
	// JWKSURL is an http(s) URL serving the provider's JWK Set; "" if
	// none. It is fetched like [Config.JWKSURL].
	JWKSURL string
	// JWKS is an inline JWK or JWK Set in JSON; nil if none.
	JWKS []byte
	// Secret is an HMAC secret of at least MinSecretBytes bytes; nil if
	// none.
	Secret []byte
	// PEM holds PEM-encoded public keys or certificates; nil if none.
	PEM []byte

	// Issuer, when set, must equal the token's iss.
	Issuer string
	// Audience, when not empty, lists the accepted audiences: the token's
	// aud (a string or an array) must hold one of them. A token without
	// aud is then refused.
	Audience []string

	// RoleClaimKey is the path of the role in this provider's tokens; ""
	// means [Config.RoleClaimKey].
	RoleClaimKey string
	// DefaultRole is the role of this provider's tokens without a role
	// claim; "" means [Config.DefaultRole].
	DefaultRole string
}

// hasKeys reports whether p names any key source.
func (p *Provider) hasKeys() bool {
	return p.JWKSURL != "" || p.JWKS != nil || p.Secret != nil || p.PEM != nil
}

// validate checks the settings of the provider at index i, naming the
// field in the error.
func (p *Provider) validate(i int) error {
	field := func(name string) string { return fmt.Sprintf("Providers[%d].%s", i, name) }
	if !p.hasKeys() {
		return configErr(fmt.Sprintf("Providers[%d]", i),
			"names no key source (JWKSURL, JWKS, Secret or PEM)")
	}
	if p.Secret != nil && len(p.Secret) < MinSecretBytes {
		return configErr(field("Secret"), "must be at least %d bytes, got %d",
			MinSecretBytes, len(p.Secret))
	}
	if err := validateJWKSURL(p.JWKSURL); err != nil {
		return &ConfigError{Field: field("JWKSURL"), Err: err}
	}
	for j, aud := range p.Audience {
		if aud == "" {
			return configErr(field("Audience"), "element %d is empty", j)
		}
	}
	if p.DefaultRole != "" && !validRole(p.DefaultRole) {
		return configErr(field("DefaultRole"), "%q is not a valid role name", p.DefaultRole)
	}
	return nil
}

// validateJWKSURL checks that u, when set, is an absolute http(s) URL.
func validateJWKSURL(u string) error {
	if u == "" {
		return nil
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return err
	}
	if (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return errors.New("must be an absolute http or https URL")
	}
	return nil
}

// source is a Provider made ready for use: its static keys parsed, its
// JWKS URL (if any) fetched by a remote, its role path parsed.
type source struct {
	static []*key
	// remote is the JWKS URL key source, or nil.
	remote *remote

	issuer   string
	audience []string

	rolePath    rolePath
	defaultRole string
}

// topProvider returns the provider made of c's top-level key fields,
// checked against Audience and Issuer.
func (c *Config) topProvider() Provider {
	top := Provider{
		JWKSURL: c.JWKSURL, JWKS: c.JWKS, Secret: c.Secret, PEM: c.PEM,
		Issuer: c.Issuer,
	}
	if c.Audience != "" {
		top.Audience = []string{c.Audience}
	}
	return top
}

// newSource parses p's static keys and role path. The remote, if any, is
// attached by the Verifier.
func (v *Verifier) newSource(p Provider, field string) (*source, error) {
	s := &source{
		issuer:      p.Issuer,
		audience:    append([]string(nil), p.Audience...),
		rolePath:    v.rolePath,
		defaultRole: v.cfg.DefaultRole,
	}
	if p.RoleClaimKey != "" {
		rp, err := parseRolePath(p.RoleClaimKey)
		if err != nil {
			return nil, &ConfigError{Field: field + "RoleClaimKey", Err: err}
		}
		s.rolePath = rp
	}
	if p.DefaultRole != "" {
		s.defaultRole = p.DefaultRole
	}

	if p.Secret != nil {
		s.static = append(s.static, secretKey(bytes.Clone(p.Secret)))
	}
	if p.JWKS != nil {
		keys, skipped, err := parseInlineJWKS(p.JWKS)
		if err != nil {
			return nil, &ConfigError{Field: field + "JWKS", Err: err}
		}
		for _, reason := range skipped {
			v.log.Warn("jwks: inline key skipped", "reason", reason)
		}
		s.static = append(s.static, keys...)
	}
	if p.PEM != nil {
		keys, err := parsePEM(p.PEM)
		if err != nil {
			return nil, &ConfigError{Field: field + "PEM", Err: err}
		}
		s.static = append(s.static, keys...)
	}
	return s, nil
}
