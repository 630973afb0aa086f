package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	pgsql "github.com/rowgate/rowgate/sql"
)

// verifyPrefix starts the identifier of email verification rows.
const verifyPrefix = "email-verification:"

// sendVerification stores a fresh verification token for u (replacing
// older ones) and sends the link.
func (s *Service) sendVerification(ctx context.Context, u pgsql.AuthUser, callback string) error {
	base := s.baseLink()
	if base == "" {
		return errors.New("send verification email: no base URL for the link")
	}
	token, err := newToken()
	if err != nil {
		return err
	}
	expires := s.cfg.Now().Add(s.cfg.VerificationLifetime)
	if err := s.store.CreateVerification(ctx, verifyPrefix+u.Email, digest(token), expires); err != nil {
		return err
	}
	q := url.Values{"token": {token}}
	if s.safeCallback(callback) {
		q.Set("callbackURL", callback)
	}
	link := base + "/verify-email?" + q.Encode()
	err = s.sender.Send(ctx, Message{
		To:      u.Email,
		Subject: "Verify your email address",
		Text:    "Open this link to verify your email address:\n\n" + link + "\n",
		URL:     link,
	})
	if err != nil {
		return fmt.Errorf("send verification email: %w", err)
	}
	return nil
}

// verifyEmail serves GET /verify-email?token=...&callbackURL=...: the
// token works once and before it expires; the user is then verified and
// signed in, and sent to callbackURL when it is a safe one.
func (s *Service) verifyEmail(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	token := c.QueryParam("token")
	callback := c.QueryParam("callbackURL")
	if !s.safeCallback(callback) {
		callback = ""
	}
	failed := func() error {
		if callback != "" {
			return c.Redirect(http.StatusFound, withQuery(callback, "error", "INVALID_TOKEN"))
		}
		return errInvalidToken()
	}
	if !plausibleToken(token) {
		return failed()
	}

	identifier, err := s.store.ConsumeVerification(ctx, digest(token))
	if isNotFound(err) {
		return failed()
	}
	if err != nil {
		return err
	}
	email, ok := strings.CutPrefix(identifier, verifyPrefix)
	if !ok {
		return failed()
	}
	u, err := s.store.UserByEmail(ctx, email)
	if isNotFound(err) {
		return failed()
	}
	if err != nil {
		return err
	}
	if err := s.store.SetEmailVerified(ctx, u.ID); err != nil {
		return err
	}
	u.EmailVerified = true

	if _, _, err := s.startSession(c, u); err != nil {
		return err
	}
	if callback != "" {
		return c.Redirect(http.StatusFound, callback)
	}
	return c.JSON(http.StatusOK, map[string]any{"status": true, "user": toUserJSON(u)})
}

type sendVerificationBody struct {
	Email       string `json:"email"`
	CallbackURL string `json:"callbackURL"`
}

// sendVerificationEmail serves POST /send-verification-email. It answers
// the same whether or not the address has an unverified account. Without
// a BaseURL there is nothing to link to, and every request is refused.
func (s *Service) sendVerificationEmail(c echo.Context) error {
	r := c.Request()
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	if s.baseURL == nil {
		return errVerificationNotEnabled()
	}
	if wait := s.byAddr.take(clientAddress(r)); wait > 0 {
		return errTooMany(wait)
	}
	var body sendVerificationBody
	if err := readJSON(c, &body); err != nil {
		return err
	}
	email, err := normalEmail(body.Email)
	if err != nil {
		return err
	}
	if wait := s.byAcct.take("verify:" + email); wait > 0 {
		return errTooMany(wait)
	}
	u, err := s.store.UserByEmail(r.Context(), email)
	switch {
	case isNotFound(err):
	case err != nil:
		return err
	case !u.EmailVerified:
		if err := s.sendVerification(r.Context(), u, body.CallbackURL); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]bool{"status": true})
}

// withQuery adds one query parameter to a URL or path.
func withQuery(target, key, value string) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + url.QueryEscape(key) + "=" + url.QueryEscape(value)
}
