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
// password get the same answer after the same work. Failures count
// against the client address, against the account from that address (a
// hard limit), and against the account from all addresses (a bounded
// delay only, so that nobody else can lock the owner out).
func (s *Service) signIn(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	addr := clientAddress(r)
	if wait := s.byAddr.take(addr); wait > 0 {
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
	acctAddr := email + "\x00" + addr
	if wait := s.byAcct.blocked(acctAddr); wait > 0 {
		return errTooMany(wait)
	}
	if err := s.slow.wait(ctx, email); err != nil {
		return err
	}

	// Check the password; an unknown email burns the same time.
	failed := func() error {
		s.byAcct.take(acctAddr)
		s.slow.fail(email)
		return errInvalidCredentials()
	}
	u, hash, err := s.store.Credentials(ctx, email)
	switch {
	case isNotFound(err):
		s.hasher.burn(ctx, body.Password)
		return failed()
	case err != nil:
		return err
	}
	ok, err := s.hasher.verify(ctx, hash, body.Password)
	if err != nil {
		return err
	}
	if !ok {
		return failed()
	}
	s.byAcct.reset(acctAddr)

	// A right password for an unverified address gets a fresh link.
	if s.cfg.RequireEmailVerification && !u.EmailVerified {
		if err := s.sendVerification(ctx, u, body.CallbackURL); err != nil {
			return err
		}
		return errEmailNotVerified()
	}
	token, _, err := s.startSession(c, u)
	if err != nil {
		return err
	}
	out := map[string]any{"redirect": false, "token": token, "url": nil, "user": toUserJSON(u)}
	if s.safeCallback(body.CallbackURL) {
		out["redirect"], out["url"] = true, body.CallbackURL
		c.Response().Header().Set("Location", body.CallbackURL)
	}
	return c.JSON(http.StatusOK, out)
}
