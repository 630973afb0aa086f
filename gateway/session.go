package gateway

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/jwks"
)

// SessionAuthenticator lets a browser's session cookie stand in for a
// bearer token. The built-in auth service implements it.
type SessionAuthenticator interface {
	// Authorization returns the Authorization header value that stands
	// for the session cookie of r, or "" when r carries no usable one.
	// Errors mean the sessions could not be looked up.
	Authorization(r *http.Request) (string, error)
}

// RouteSet adds routes beside the Data API's, behind the same middleware
// (access log, recovery, CORS). The auth service and the demo page are
// route sets.
type RouteSet interface {
	Register(e *echo.Echo)
}

// identify resolves the caller of a Data API request: its bearer token;
// without one its session cookie, when Sessions is set; else anonymous.
// Either way the credentials go through the same verifier.
func (s *Server) identify(r *http.Request) (*jwks.Identity, error) {
	authz := r.Header.Get("Authorization")
	if authz == "" && s.opts.Sessions != nil {
		var err error
		if authz, err = s.opts.Sessions.Authorization(r); err != nil {
			return nil, fmt.Errorf("resolve session cookie: %w", err)
		}
	}
	return s.opts.Auth.Identify(r.Context(), authz)
}
