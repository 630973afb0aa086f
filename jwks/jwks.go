// Package jwks verifies bearer JWTs against HMAC secrets, inline JWK sets,
// PEM keys and remote JWKS URLs, from any number of providers each with its
// own issuer and audience, and turns a verified token into the identity a
// request runs under. Keys are fetched ahead of time and cached, so
// verifying a token never waits on the network, except once, rate limited,
// when a token names a key id no JWKS URL has published yet. Verified
// tokens are cached, so a repeated token costs no signature check.
//
// Failures are [*Error] values shaped like PostgREST's error bodies: 401
// PGRST301 for tokens that cannot be decoded or verified, 401 PGRST302 when
// anonymous access is disabled, 401 PGRST303 for refused claims, 500
// PGRST300 when no key is configured, rowgate's own 503 RG001 while no key
// set has arrived from a JWKS URL, and rowgate's own 400 RG002 for an
// Authorization header that is not "Bearer <token>".
package jwks

// Identity is what a verified token, or its absence, resolves to.
type Identity struct {
	// Role is the database role the request runs as.
	Role string
	// Claims is the claims object as JSON, with "role" set to Role, ready
	// for request.jwt.claims.
	Claims []byte
	// Anonymous is true for requests without a token.
	Anonymous bool
}
