package jwks

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// maxTokenBytes is the longest token accepted; longer ones are refused
// before any parsing.
const maxTokenBytes = 16 << 10

// compactToken is a JWS in compact serialization, split but not verified.
type compactToken struct {
	alg jwa.SignatureAlgorithm
	kid string
	// input is the signing input: header and payload, base64url, with the
	// dot between them.
	input string
	// payload is the base64url payload.
	payload string
	sig     []byte
}

// rawHeader holds the header fields the verifier reads. Key-carrying
// headers (jku, x5u, jwk, x5c) are deliberately not decoded: keys only
// come from the configuration.
type rawHeader struct {
	Alg  *string         `json:"alg"`
	Kid  json.RawMessage `json:"kid"`
	Crit json.RawMessage `json:"crit"`
	B64  json.RawMessage `json:"b64"`
}

// bearerToken extracts the token from an Authorization header value. ok is
// false when the header carries no bearer credentials (empty, or another
// scheme); the token may then still be "" for a bare "Bearer".
func bearerToken(authorization string) (token string, ok bool) {
	s := strings.TrimSpace(authorization)
	scheme, rest, _ := strings.Cut(s, " ")
	if i := strings.IndexByte(scheme, '\t'); i >= 0 {
		scheme, rest = s[:i], s[i+1:]
	}
	if !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// tokenSyntax reports whether tok can be one token in the header: visible
// ASCII only. A space, tab, control or non-ASCII byte means the header
// value is not "Bearer <token>" at all (for instance "Bearer a b"), which
// is answered with 400. Visible characters that a JWT cannot hold are left
// to decoding, which refuses them with 401 PGRST301 as PostgREST does.
func tokenSyntax(tok string) bool {
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// parseCompact splits tok and decodes its header and signature. The
// payload is decoded only after the signature is verified.
func parseCompact(tok string) (*compactToken, *Error) {
	// Shape: three base64url parts.
	if n := strings.Count(tok, ".") + 1; n != 3 {
		return nil, errParts(n)
	}
	hdr64, rest, _ := strings.Cut(tok, ".")
	payload64, sig64, _ := strings.Cut(rest, ".")

	hdrJSON, err := base64.RawURLEncoding.Strict().DecodeString(hdr64)
	if err != nil {
		return nil, errDecode("the header is not base64url")
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(sig64)
	if err != nil {
		return nil, errDecode("the signature is not base64url")
	}

	// Header: alg, kid, and no extension we would have to understand.
	var h rawHeader
	if err := json.Unmarshal(hdrJSON, &h); err != nil {
		return nil, errDecode("the header is not a JSON object")
	}
	if h.Crit != nil || h.B64 != nil {
		return nil, errCrit()
	}
	if h.Alg == nil {
		return nil, errAlg()
	}
	alg := jwa.SignatureAlgorithm(*h.Alg)
	if _, ok := verifiers[alg]; !ok || alg == jwa.NoSignature {
		return nil, errAlg()
	}
	var kid string
	if h.Kid != nil && string(h.Kid) != "null" {
		if err := json.Unmarshal(h.Kid, &kid); err != nil {
			return nil, errDecode("the kid header is not a string")
		}
	}

	t := &compactToken{
		alg:     alg,
		kid:     kid,
		input:   tok[:len(hdr64)+1+len(payload64)],
		payload: payload64,
		sig:     sig,
	}
	return t, nil
}
