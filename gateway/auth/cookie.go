package auth

import (
	"net/http"
	"strings"
	"time"
)

// The session cookie is named as Neon Auth names it: Better Auth's
// "session_token" with the prefix "neonauth", and "__Secure-" in front
// on HTTPS. It holds an opaque token, never a JWT.
const (
	cookieName       = "neonauth.session_token"
	secureCookieName = "__Secure-" + cookieName
)

// secure reports whether the client reached the API over HTTPS: directly,
// through a proxy that says so, or as the configured base URL says.
func (s *Service) secure(r *http.Request) bool {
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return true
	}
	return s.baseURL != nil && s.baseURL.Scheme == "https"
}

// setSessionCookie hands the browser the session token. On HTTPS the
// cookie is Secure and SameSite=None, as Neon's, so that pages of the
// allowed origins can send it; on plain HTTP browsers refuse that
// combination and it is SameSite=Lax.
func (s *Service) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	ck := &http.Cookie{
		Name:     cookieName,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(expires.Sub(s.cfg.Now()) / time.Second),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if s.secure(r) {
		ck.Name = secureCookieName
		ck.Secure = true
		ck.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, ck)
}

// clearSessionCookie tells the browser to drop the cookie.
func (s *Service) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	ck := &http.Cookie{Name: cookieName, Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode}
	if s.secure(r) {
		ck.Name = secureCookieName
		ck.Secure = true
		ck.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, ck)
}

// cookieToken returns the session token from the request's cookie, or "".
func cookieToken(r *http.Request) string {
	for _, name := range []string{secureCookieName, cookieName} {
		if ck, err := r.Cookie(name); err == nil && plausibleToken(ck.Value) {
			return ck.Value
		}
	}
	return ""
}

// sessionToken returns the session token of a request to the auth routes:
// the cookie, when the page that sent it may use it (CORS answers any
// origin by default, so a foreign page must not read the session through
// the browser's cookie), or for clients without cookies the bearer token
// that sign-in returned (an opaque token, not a JWT).
func (s *Service) sessionToken(r *http.Request) string {
	if tok := cookieToken(r); tok != "" && s.cookieOriginOK(r) {
		return tok
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "bearer") && plausibleToken(strings.TrimSpace(tok)) {
		return strings.TrimSpace(tok)
	}
	return ""
}
