package auth

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// origin returns the API's own origin as the client sees it.
func (s *Service) origin(r *http.Request) string {
	if s.baseURL != nil {
		return s.baseURL.Scheme + "://" + s.baseURL.Host
	}
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
// session: the API's own origin and the configured ones.
func (s *Service) originAllowed(r *http.Request, origin string) bool {
	return origin == s.origin(r) || s.origins[origin]
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

// safeCallback reports whether a redirect target is on an allowed origin
// (or a path of the API's own), so links cannot send users elsewhere.
func (s *Service) safeCallback(r *http.Request, target string) bool {
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
	return s.originAllowed(r, u.Scheme+"://"+u.Host)
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
