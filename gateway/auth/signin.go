package auth

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type signInBody struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	CallbackURL string `json:"callbackURL"`
}

// signIn serves POST /sign-in/email. An unknown email and a wrong
// password get the same answer after the same work; failures count
// against the client address and the account.
func (s *Service) signIn(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	if wait := s.byAddr.take(clientAddress(r)); wait > 0 {
		return errTooMany(wait)
	}
	var body signInBody
	if err := readJSON(c, &body); err != nil {
		return err
	}
	email, err := normalEmail(body.Email)
	if err != nil {
		return err
	}
	if body.Password == "" {
		return errInvalidPassword()
	}
	if wait := s.byAcct.blocked(email); wait > 0 {
		return errTooMany(wait)
	}

	// Check the password; an unknown email burns the same time.
	u, hash, err := s.store.Credentials(ctx, email)
	switch {
	case isNotFound(err):
		s.hasher.burn(ctx, body.Password)
		s.byAcct.take(email)
		return errInvalidCredentials()
	case err != nil:
		return err
	}
	ok, err := s.hasher.verify(ctx, hash, body.Password)
	if err != nil {
		return err
	}
	if !ok {
		s.byAcct.take(email)
		return errInvalidCredentials()
	}
	s.byAcct.reset(email)

	// A right password for an unverified address gets a fresh link.
	if s.cfg.RequireEmailVerification && !u.EmailVerified {
		if err := s.sendVerification(ctx, r, u, body.CallbackURL); err != nil {
			return err
		}
		return errEmailNotVerified()
	}
	token, _, err := s.startSession(c, u)
	if err != nil {
		return err
	}
	out := map[string]any{"redirect": false, "token": token, "url": nil, "user": toUserJSON(u)}
	if s.safeCallback(r, body.CallbackURL) {
		out["redirect"], out["url"] = true, body.CallbackURL
		c.Response().Header().Set("Location", body.CallbackURL)
	}
	return c.JSON(http.StatusOK, out)
}
