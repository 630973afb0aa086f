package auth

import (
	"net/http"

	"github.com/labstack/echo/v4"

	pgsql "github.com/rowgate/rowgate/sql"
)

// maxUserAgent bounds the User-Agent kept with a session.
const maxUserAgent = 512

// startSession stores a new session for u and sets its cookie. The token
// goes to the client; the database keeps its digest.
func (s *Service) startSession(c echo.Context, u pgsql.AuthUser) (string, pgsql.AuthSession, error) {
	r := c.Request()
	token, err := newToken()
	if err != nil {
		return "", pgsql.AuthSession{}, err
	}
	ua := r.UserAgent()
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	se, err := s.store.CreateSession(r.Context(), pgsql.AuthSession{
		UserID:    u.ID,
		TokenHash: digest(token),
		ExpiresAt: s.cfg.Now().Add(s.cfg.SessionLifetime),
		IPAddress: clientAddress(r),
		UserAgent: ua,
	})
	if err != nil {
		return "", se, err
	}
	// Expired sessions of the user go as new ones come.
	if _, err := s.store.DeleteExpiredSessions(r.Context(), u.ID); err != nil {
		return "", se, err
	}
	s.setSessionCookie(c.Response(), r, token, se.ExpiresAt)
	return token, se, nil
}

// currentSession finds the live session of a request to the auth routes.
// ok is false when there is none (no token, unknown, expired, or an email
// that must be verified first).
func (s *Service) currentSession(r *http.Request) (tok string, se pgsql.AuthSession, u pgsql.AuthUser, ok bool, err error) {
	tok = s.sessionToken(r)
	if tok == "" {
		return "", se, u, false, nil
	}
	se, u, err = s.store.Session(r.Context(), digest(tok))
	if isNotFound(err) {
		return tok, se, u, false, nil
	}
	if err != nil {
		return tok, se, u, false, err
	}
	if s.cfg.RequireEmailVerification && !u.EmailVerified {
		return tok, se, u, false, nil
	}
	return tok, se, u, true, nil
}

// getSession serves GET /get-session: the session and its user, or null.
// A session whose expiry is older than SessionUpdateAge is extended (a
// sliding window), and a fresh JWT rides along in the set-auth-jwt header
// as Better Auth's JWT plugin sends it.
func (s *Service) getSession(c echo.Context) error {
	r := c.Request()
	tok, se, u, ok, err := s.currentSession(r)
	if err != nil {
		return err
	}
	if !ok {
		if tok != "" {
			s.clearSessionCookie(c.Response(), r)
		}
		return c.JSON(http.StatusOK, nil)
	}

	// Slide the expiry forward once the session has aged enough.
	now := s.cfg.Now()
	if !se.ExpiresAt.Add(-s.cfg.SessionLifetime).Add(s.cfg.SessionUpdateAge).After(now) {
		se.ExpiresAt = now.Add(s.cfg.SessionLifetime)
		if err := s.store.ExtendSession(r.Context(), se.ID, se.ExpiresAt); err != nil {
			return err
		}
		se.UpdatedAt = now
		s.setSessionCookie(c.Response(), r, tok, se.ExpiresAt)
	}

	jwt, err := s.mint(r, u)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Set-Auth-Jwt", jwt)
	return c.JSON(http.StatusOK, map[string]any{
		"session": toSessionJSON(se, tok),
		"user":    toUserJSON(u),
	})
}

// signOut serves POST /sign-out: the session is deleted, so its cookie,
// its bearer use and (within this instance at once, elsewhere within
// CookieCacheTTL) its Data API use all end. JWTs already minted stay
// valid until they expire.
func (s *Service) signOut(c echo.Context) error {
	r := c.Request()
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	if tok := s.sessionToken(r); tok != "" {
		h := digest(tok)
		s.cookies.forget(h)
		if _, err := s.store.DeleteSession(r.Context(), h); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c.Response(), r)
	return c.JSON(http.StatusOK, map[string]any{"success": true})
}
