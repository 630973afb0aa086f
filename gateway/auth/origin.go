package auth

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// requestOrigin is the origin r was sent to, from its Host header and
// scheme. A browser's page of that origin is same-origin with the API, so
// it serves the cross-origin checks; it is never used in links or
// redirects, since any other client can set Host to anything.
func (s *Service) requestOrigin(r *http.Request) string {
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// baseLink is where the routes are reached from outside, for links, or ""
// without a BaseURL: links are never built from request headers (Host,
// X-Forwarded-Proto), which a client sets.
func (s *Service) baseLink() string {
	if s.baseURL == nil {
		return ""
	}
	return s.baseURL.String() + s.prefix
}

// originAllowed reports whether a page of origin may act with the user's
// session: pages of the origin the request was sent to, of BaseURL and of
// the configured origins.
func (s *Service) originAllowed(r *http.Request, origin string) bool {
	return origin == s.requestOrigin(r) || s.origins[origin]
}

// checkOrigin refuses state-changing requests sent by pages of other
// origins (cross-site request forgery). Requests without an Origin header
// come from non-browser clients or same-origin navigations.
func (s *Service) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			return errInvalidOrigin()
		}
		return nil
	}
	if !s.originAllowed(r, origin) {
		return errInvalidOrigin()
	}
	return nil
}

// safeCallback reports whether a redirect target is a path of the API's
// own or on BaseURL's or a configured origin, so that links and redirects
// cannot send users elsewhere. Request headers play no part.
func (s *Service) safeCallback(target string) bool {
	if target == "" {
		return false
	}
	if strings.HasPrefix(target, "/") {
		return !strings.HasPrefix(target, "//") && !strings.HasPrefix(target, "/\\")
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return s.origins[u.Scheme+"://"+u.Host]
}

// clientAddress is the address the rate limits count by: the peer of the
// connection. Forwarding headers are not trusted.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
