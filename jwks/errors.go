package jwks

import (
	"net/http"
	"strconv"
	"strings"
)

// Error codes this package returns. The PGRST codes keep PostgREST's
// meaning; CodeKeysUnavailable is rowgate's own.
const (
	// CodeNoSecret (500): a token arrived but no key source is configured.
	CodeNoSecret = "PGRST300"
	// CodeInvalidToken (401): the token cannot be decoded, has no suitable
	// key, uses a refused algorithm or fails its signature check.
	CodeInvalidToken = "PGRST301"
	// CodeAnonDisabled (401): no token was sent and there is no anonymous
	// role, or a valid token carries no role and there is no fallback role.
	CodeAnonDisabled = "PGRST302"
	// CodeInvalidClaims (401): the signature is good but a claim is not
	// acceptable: exp, nbf, iat, aud, iss, or a role outside
	// [Config.AllowedRoles].
	CodeInvalidClaims = "PGRST303"
	// CodeKeysUnavailable (503) is rowgate's own: a JWKS URL is configured
	// but no usable key set has arrived from it yet (or the last one is
	// older than [Config.MaxStaleness]), and no other key source could
	// verify the token. PostgREST has no equivalent because it never
	// fetches keys; a 503 tells clients to retry rather than to log in again.
	CodeKeysUnavailable = "RG001"
	// CodeMalformedHeader (400) is rowgate's own: the Authorization header
	// uses the Bearer scheme but what follows is not one token of visible
	// ASCII (for instance "Bearer a b", a tab, a control character or a
	// non-ASCII byte inside). PostgREST answers these with 401 PGRST301; a
	// 400 tells the client that its request, not its token, is wrong.
	CodeMalformedHeader = "RG002"
)

// Error is a PostgREST-style error: an HTTP status plus the code, message,
// details and hint of the JSON error body. Messages and details never hold
// the token or a claim value.
type Error struct {
	Status  int
	Code    string
	Message string
	Details string
	Hint    string

	// reason is a short snake_case label for metrics and logs.
	reason string
	// noToken marks the 401 sent because no token was presented at all.
	noToken bool
}

// Error returns the code, message and details on one line.
func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Details != "" {
		s += ": " + e.Details
	}
	return s
}

// WWWAuthenticate returns the value of the WWW-Authenticate header that goes
// with e: `Bearer` when the request had no token, `Bearer
// error="invalid_token", error_description="..."` for other 401s, `Bearer
// error="invalid_request", error_description="..."` for a malformed
// Authorization header, and "" otherwise. The description is reduced to
// the characters RFC 6750 allows in it, so no quote, backslash, CR or LF
// can ever appear raw.
func (e *Error) WWWAuthenticate() string {
	switch {
	case e == nil:
		return ""
	case e.Status == http.StatusBadRequest && e.Code == CodeMalformedHeader:
		return `Bearer error="invalid_request", error_description="` + headerSafe(e.Message) + `"`
	case e.Status != http.StatusUnauthorized:
		return ""
	case e.noToken:
		return "Bearer"
	}
	return `Bearer error="invalid_token", error_description="` + headerSafe(e.Message) + `"`
}

// headerSafe keeps the bytes RFC 6750 allows in error_description
// (%x20-21 / %x23-5B / %x5D-7E). A double quote becomes a single quote,
// other whitespace a space; everything else is dropped.
func headerSafe(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteByte('\'')
		case c == '\\':
			// Not allowed, even escaped.
		case c == '\t' || c == '\r' || c == '\n':
			b.WriteByte(' ')
		case c >= 0x20 && c <= 0x7e:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func newError(status int, code, reason, msg, details string) *Error {
	return &Error{Status: status, Code: code, Message: msg, Details: details, reason: reason}
}

func errAnonDisabled() *Error {
	e := newError(http.StatusUnauthorized, CodeAnonDisabled, "anonymous_disabled",
		"Anonymous access is disabled", "")
	e.noToken = true
	return e
}

func errNoRole() *Error {
	return newError(http.StatusUnauthorized, CodeAnonDisabled, "no_role",
		"Anonymous access is disabled",
		"the token has no role claim and no default role is configured")
}

func errNoSecret() *Error {
	return newError(http.StatusInternalServerError, CodeNoSecret, "no_secret",
		"Server lacks JWT secret", "")
}

func errEmptyToken() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "empty_token",
		"Empty JWT is sent in Authorization header", "")
}

func errTooLarge() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "too_large",
		"JWT is too large", "the token is longer than "+strconv.Itoa(maxTokenBytes)+" bytes")
}

func errMalformedHeader() *Error {
	e := newError(http.StatusBadRequest, CodeMalformedHeader, "malformed_header",
		"Malformed Authorization header",
		"a bearer token is one run of visible ASCII characters")
	e.Hint = `Send "Authorization: Bearer <token>" with the token unquoted and unsplit.`
	return e
}

func errNotJSONB() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidClaims, "bad_claims",
		"JWT claims cannot be stored as jsonb",
		`a claim holds \u0000, an unpaired UTF-16 surrogate escape or a number out of range`)
}

func errParts(n int) *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "malformed",
		"Expected 3 parts in JWT; got "+strconv.Itoa(n), "")
}

func errDecode(details string) *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "malformed",
		"JWT cannot be decoded", details)
}

func errAlg() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "bad_alg",
		"Wrong or unsupported encoding algorithm", "")
}

func errCrit() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "bad_header",
		"JWT header has an unsupported critical extension", "")
}

func errNoKey() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "no_key",
		"No suitable key or wrong key type", "")
}

func errSignature() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "bad_signature",
		"JWT cryptographic operation failed", "")
}

func errKeysUnavailable(details string) *Error {
	e := newError(http.StatusServiceUnavailable, CodeKeysUnavailable, "keys_unavailable",
		"JWT keys are not available yet", details)
	e.Hint = "Retry the request shortly."
	return e
}

func errRoleType() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "bad_role",
		"The JWT role claim must be a string", "")
}

func errRoleName() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidToken, "bad_role",
		"The JWT role claim is not a valid role name",
		"a role name has 1 to 63 bytes and no NUL byte")
}

func errRoleNotAllowed() *Error {
	return newError(http.StatusUnauthorized, CodeInvalidClaims, "role_not_allowed",
		"JWT role is not allowed", "")
}

func errClaims(reason, msg string) *Error {
	return newError(http.StatusUnauthorized, CodeInvalidClaims, reason, msg, "")
}
