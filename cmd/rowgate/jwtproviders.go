package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/rowgate/rowgate/jwks"
)

// jwtProvider is one entry of jwt-providers: a source of verification keys
// with the issuer and audience its tokens must carry. In the setting it is
// a JSON object with the keys in the tags below; at least one of jwks_url,
// jwks, secret and pem must be given. secret, pem and jwks may be "@path"
// to read the value from a file.
type jwtProvider struct {
	// JWKSURL is an http(s) URL serving a JWK Set ("jwks_url").
	JWKSURL string
	// JWKS is an inline JWK or JWK Set as JSON text ("jwks": an object,
	// or a string holding JSON or "@path").
	JWKS string
	// Secret is an HMAC secret of at least 32 bytes ("secret").
	Secret string
	// SecretIsBase64 says Secret is base64 encoded ("secret_is_base64").
	SecretIsBase64 bool
	// PEM holds PEM public keys or certificates ("pem").
	PEM string
	// Issuer is the iss the tokens must carry; "" accepts any ("issuer").
	Issuer string
	// Audience lists the accepted aud values; empty accepts any
	// ("audience": a string or an array of strings).
	Audience []string
	// RoleClaimKey is the role's path in these tokens; "" means
	// jwt-role-claim-key ("role_claim_key").
	RoleClaimKey string
	// DefaultRole is the role of these tokens without a role claim; ""
	// means jwt-default-role ("default_role").
	DefaultRole string
}

// jwtProviderJSON is the JSON form of a jwtProvider.
type jwtProviderJSON struct {
	JWKSURL        string          `json:"jwks_url"`
	JWKS           json.RawMessage `json:"jwks"`
	Secret         string          `json:"secret"`
	SecretIsBase64 bool            `json:"secret_is_base64"`
	PEM            string          `json:"pem"`
	Issuer         string          `json:"issuer"`
	Audience       json.RawMessage `json:"audience"`
	RoleClaimKey   string          `json:"role_claim_key"`
	DefaultRole    string          `json:"default_role"`
}

// parseJWTProviders reads the jwt-providers value: a JSON array of
// provider objects. Unknown object keys are an error, to catch typos.
func parseJWTProviders(key, text string) ([]jwtProvider, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	var raw []jwtProviderJSON
	if err := dec.Decode(&raw); err != nil {
		return nil, configErrorf(key, "must be a JSON array of provider objects: %v", err)
	}
	if dec.More() {
		return nil, configErrorf(key, "has data after the JSON array")
	}

	out := make([]jwtProvider, len(raw))
	for i, r := range raw {
		p := jwtProvider{
			JWKSURL: r.JWKSURL, Secret: r.Secret, SecretIsBase64: r.SecretIsBase64, PEM: r.PEM,
			Issuer: r.Issuer, RoleClaimKey: r.RoleClaimKey, DefaultRole: r.DefaultRole,
		}
		field := fmt.Sprintf("%s[%d].", key, i)
		jwksText, err := jsonStringOrRaw(r.JWKS)
		if err != nil {
			return nil, configErrorf(field+"jwks", "must be a JWK or JWKS object, or a string: %v", err)
		}
		p.JWKS = jwksText
		if p.Audience, err = jsonStrings(r.Audience); err != nil {
			return nil, configErrorf(field+"audience", "must be a string or an array of strings")
		}
		out[i] = p
	}
	return out, nil
}

// jsonStringOrRaw returns a JSON string's value, or the text of any other
// JSON value; "" for none.
func jsonStringOrRaw(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case raw[0] == '{':
		return string(raw), nil
	}
	return "", errors.New("unexpected JSON value")
}

// jsonStrings reads a JSON string or array of strings; nil for none.
func jsonStrings(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	err := json.Unmarshal(raw, &many)
	return many, err
}

// readFiles replaces "@path" values of secret, pem and jwks by the files'
// contents; a secret loses one trailing newline, as jwt-secret does.
func (p *jwtProvider) readFiles(key string, i int) error {
	var errs []error
	for name, val := range map[string]*string{"secret": &p.Secret, "pem": &p.PEM, "jwks": &p.JWKS} {
		path, ok := strings.CutPrefix(*val, "@")
		if !ok {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, configErrorf(fmt.Sprintf("%s[%d].%s", key, i, name),
				"cannot read file: %v", err))
			continue
		}
		*val = string(b)
		if name == "secret" {
			*val = strings.TrimSuffix(*val, "\n")
		}
	}
	return errors.Join(errs...)
}

// validate checks the provider at index i of the setting key.
func (p *jwtProvider) validate(key string, i int) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, configErrorf(fmt.Sprintf("%s[%d]%s", key, i, field), format, args...))
	}

	if p.JWKSURL == "" && p.JWKS == "" && p.Secret == "" && p.PEM == "" {
		bad("", "needs at least one of jwks_url, jwks, secret and pem")
	}
	if p.JWKSURL != "" {
		u, err := url.Parse(p.JWKSURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(".jwks_url", "must be an absolute http or https URL, got %q", p.JWKSURL)
		}
	}
	if p.Secret != "" {
		if _, err := p.secret(); err != nil {
			bad(".secret", "%v", err)
		}
	}
	if p.JWKS != "" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(p.JWKS), &obj); err != nil || (obj["keys"] == nil && obj["kty"] == nil) {
			bad(".jwks", "must be a JWK (with \"kty\") or a JWKS (with \"keys\")")
		}
	}
	if p.PEM != "" && !strings.Contains(p.PEM, "-----BEGIN ") {
		bad(".pem", "holds no PEM block")
	}
	for _, aud := range p.Audience {
		if aud == "" {
			bad(".audience", "must not hold an empty string")
		}
	}
	if p.DefaultRole != "" && !configValidRole(p.DefaultRole) {
		bad(".default_role", "%q is not a valid role name", p.DefaultRole)
	}
	return errs
}

// secret returns the HMAC secret, base64-decoded when asked, checked for
// length.
func (p *jwtProvider) secret() ([]byte, error) {
	secret := []byte(p.Secret)
	if p.SecretIsBase64 {
		dec, err := configDecodeBase64(p.Secret)
		if err != nil {
			return nil, fmt.Errorf("is not valid base64 (secret_is_base64 is true): %w", err)
		}
		secret = dec
	}
	if len(secret) < jwks.MinSecretBytes {
		return nil, fmt.Errorf("must be at least %d bytes long, got %d", jwks.MinSecretBytes, len(secret))
	}
	return secret, nil
}

// verifierProvider converts p for [jwks.Config]. validate has checked it.
func (p *jwtProvider) verifierProvider() jwks.Provider {
	vp := jwks.Provider{
		JWKSURL:      p.JWKSURL,
		Issuer:       p.Issuer,
		Audience:     p.Audience,
		RoleClaimKey: p.RoleClaimKey,
		DefaultRole:  p.DefaultRole,
	}
	if p.JWKS != "" {
		vp.JWKS = []byte(p.JWKS)
	}
	if p.PEM != "" {
		vp.PEM = []byte(p.PEM)
	}
	if p.Secret != "" {
		vp.Secret, _ = p.secret()
	}
	return vp
}

// configValidRole reports whether s can be a PostgreSQL role name: 1 to 63
// bytes without NUL.
func configValidRole(s string) bool {
	return len(s) > 0 && len(s) <= 63 && !strings.ContainsRune(s, 0)
}
