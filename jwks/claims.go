package jwks

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// claimSet is a verified token's decoded claims.
type claimSet struct {
	// raw is the payload JSON as signed.
	raw []byte
	// m is the decoded object; numbers are json.Number.
	m map[string]any
	// exp is the exp claim in Unix seconds; hasExp says whether it is set.
	exp    float64
	hasExp bool
	// aud is the aud claim as a list; nil when absent.
	aud []string
}

// decodeClaims decodes the base64url payload of a verified token into a
// JSON object.
func decodeClaims(payload64 string) (*claimSet, *Error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload64)
	if err != nil {
		return nil, errDecode("the payload is not base64url")
	}
	if !utf8.Valid(raw) {
		return nil, errClaims("bad_claims", "Parsing claims failed")
	}

	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errClaims("bad_claims", "Parsing claims failed")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errClaims("bad_claims", "Parsing claims failed")
	}
	if !jsonbSafe(raw) || !numbersSafe(m) {
		return nil, errNotJSONB()
	}
	return &claimSet{raw: raw, m: m}, nil
}

// checkRegistered validates the claims every source checks alike: exp,
// nbf and iat against now and the leeway, and the type of aud. It records
// exp and aud in c.
func (v *Verifier) checkRegistered(c *claimSet, now time.Time) *Error {
	nowSec := float64(now.UnixNano()) / 1e9
	skew := v.cfg.Leeway.Seconds()

	// Time claims: numbers (integer or fractional) only.
	if exp, present, ok := numericClaim(c.m, "exp"); present {
		if !ok {
			return errClaims("bad_claims", "The JWT 'exp' claim must be a number")
		}
		if nowSec > exp+skew {
			return errClaims("expired", "JWT expired")
		}
		c.exp, c.hasExp = exp, true
	}
	if nbf, present, ok := numericClaim(c.m, "nbf"); present {
		if !ok {
			return errClaims("bad_claims", "The JWT 'nbf' claim must be a number")
		}
		if nbf > nowSec+skew {
			return errClaims("not_yet_valid", "JWT not yet valid")
		}
	}
	if iat, present, ok := numericClaim(c.m, "iat"); present {
		if !ok {
			return errClaims("bad_claims", "The JWT 'iat' claim must be a number")
		}
		if iat > nowSec+skew {
			return errClaims("iat_future", "JWT issued at future")
		}
	}

	// Audience: a string or an array of strings; each source says which.
	aud, audOK := audiences(c.m["aud"])
	if !audOK {
		return errClaims("bad_claims",
			"The JWT 'aud' claim must be a string or an array of strings")
	}
	c.aud = aud
	return nil
}

// checkClaims checks c against the audience and issuer s requires.
func (s *source) checkClaims(c *claimSet) *Error {
	if len(s.audience) > 0 && !containsAny(c.aud, s.audience) {
		return errClaims("audience", "JWT not in audience")
	}
	if s.issuer != "" {
		if iss, _ := c.m["iss"].(string); iss != s.issuer {
			return errClaims("issuer", "JWT issuer is not accepted")
		}
	}
	return nil
}

// numericClaim reads a NumericDate claim. present is false when the claim is
// absent; ok is false when it is not a finite number.
func numericClaim(m map[string]any, name string) (val float64, present, ok bool) {
	v, present := m[name]
	if !present {
		return 0, false, false
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, true, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, true, false
	}
	return f, true, true
}

// audiences returns the aud claim as a list; ok is false when it is
// neither absent, a string nor an array of strings.
func audiences(v any) (aud []string, ok bool) {
	switch a := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{a}, true
	case []any:
		out := make([]string, 0, len(a))
		for _, e := range a {
			s, isStr := e.(string)
			if !isStr {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// containsAny reports whether list holds one of want.
func containsAny(list, want []string) bool {
	for _, w := range want {
		if contains(list, w) {
			return true
		}
	}
	return false
}

// resolveRole finds the role for a token src vouched for: the claim at
// src's role path, else src's default role, else AnonRole. A claimed role
// must be a valid name, not in DeniedRoles and, when AllowedRoles is set,
// in it.
func (v *Verifier) resolveRole(src *source, c *claimSet) (string, *Error) {
	val, found := src.rolePath.lookup(c.m)
	if !found {
		switch {
		case src.defaultRole != "":
			return src.defaultRole, nil
		case v.cfg.AnonRole != "":
			return v.cfg.AnonRole, nil
		}
		return "", errNoRole()
	}

	role, isStr := val.(string)
	switch {
	case !isStr:
		return "", errRoleType()
	case reservedRole(role):
		return "", errRoleNotAllowed()
	case !validRole(role):
		return "", errRoleName()
	case contains(v.cfg.DeniedRoles, role):
		return "", errRoleNotAllowed()
	case len(v.cfg.AllowedRoles) > 0 && !contains(v.cfg.AllowedRoles, role):
		return "", errRoleNotAllowed()
	}
	return role, nil
}

// claimsJSON returns the claims object with "role" set to role. The signed
// bytes are kept when they already say so, or when "role" only has to be
// added in front; otherwise the object is re-encoded.
func claimsJSON(c *claimSet, role string) ([]byte, error) {
	roleJSON, err := json.Marshal(role)
	if err != nil {
		return nil, fmt.Errorf("encode role: %w", err)
	}

	cur, present := c.m["role"]
	if s, ok := cur.(string); present && ok && s == role {
		return bytes.Clone(c.raw), nil
	}
	if !present {
		body := bytes.TrimSpace(c.raw)[1:] // after '{'; decodeClaims made sure it is an object
		out := make([]byte, 0, len(body)+len(roleJSON)+10)
		out = append(out, `{"role":`...)
		out = append(out, roleJSON...)
		if len(bytes.TrimSpace(body)) > 1 {
			out = append(out, ',')
		}
		return append(out, body...), nil
	}

	m := make(map[string]any, len(c.m))
	for k, val := range c.m {
		m[k] = val
	}
	m["role"] = role
	out, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode claims: %w", err)
	}
	return out, nil
}
