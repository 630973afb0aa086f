package auth

import (
	"net/http"

	"github.com/labstack/echo/v4"

	pgsql "github.com/rowgate/rowgate/sql"
)

// claims are what a token says about u: Neon Auth's sub, email and role,
// plus name and email_verified; iss and aud when configured. Signing adds
// iat and exp.
func (s *Service) claims(u pgsql.AuthUser) map[string]any {
	c := map[string]any{
		"sub":            u.ID,
		"email":          u.Email,
		"role":           s.userRole,
		"name":           u.Name,
		"email_verified": u.EmailVerified,
	}
	if iss := s.issuer(); iss != "" {
		c["iss"] = iss
	}
	if s.cfg.Audience != "" {
		c["aud"] = s.cfg.Audience
	}
	return c
}

// issuer is the iss claim: Issuer, else BaseURL, else none.
func (s *Service) issuer() string {
	if s.cfg.Issuer != "" {
		return s.cfg.Issuer
	}
	if s.baseURL != nil {
		return s.baseURL.String()
	}
	return ""
}

// mint signs a token for u.
func (s *Service) mint(r *http.Request, u pgsql.AuthUser) (string, error) {
	return s.signer.Sign(r.Context(), s.claims(u))
}

// token serves GET /token: a JWT for the current session.
func (s *Service) token(c echo.Context) error {
	r := c.Request()
	_, _, u, ok, err := s.currentSession(r)
	if err != nil {
		return err
	}
	if !ok {
		return errUnauthorized()
	}
	jwt, err := s.mint(r, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"token": jwt})
}

// jwks serves GET /jwks: the public keys, current and in grace.
func (s *Service) jwks(c echo.Context) error {
	doc, err := s.signer.JWKS(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/json", doc)
}
