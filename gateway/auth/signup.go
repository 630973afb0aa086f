package auth

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	pgsql "github.com/rowgate/rowgate/sql"
)

type signUpBody struct {
	Name        *string `json:"name"`
	Email       string  `json:"email"`
	Password    string  `json:"password"`
	Image       string  `json:"image"`
	CallbackURL string  `json:"callbackURL"`
}

// signUp serves POST /sign-up/email: it creates the user and, unless
// email verification is required, signs them in.
func (s *Service) signUp(c echo.Context) error {
	r := c.Request()
	ctx := r.Context()
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	if wait := s.byAddr.take(clientAddress(r)); wait > 0 {
		return errTooMany(wait)
	}

	// Validate before the costly hash.
	var body signUpBody
	if err := readJSON(c, &body); err != nil {
		return err
	}
	if body.Name == nil {
		return fail(http.StatusBadRequest, "VALIDATION_ERROR", "name is required")
	}
	email, err := normalEmail(body.Email)
	if err != nil {
		return err
	}
	if err := checkPassword(body.Password); err != nil {
		return err
	}
	hash, err := s.hasher.hash(ctx, body.Password)
	if err != nil {
		return err
	}

	// Create the user and their credential account.
	u, err := s.store.CreateUser(ctx, *body.Name, email, body.Image, hash)
	if errors.Is(err, pgsql.ErrEmailTaken) {
		if s.cfg.RequireEmailVerification {
			// Answer as for a new user, so sign-up does not reveal who
			// has an account; the owner of the address is not disturbed.
			return c.JSON(http.StatusOK, map[string]any{"token": nil,
				"user": s.syntheticUser(*body.Name, email, body.Image)})
		}
		return errUserExists()
	}
	if err != nil {
		return err
	}

	// Verification first when required: no session until the link is used.
	if s.cfg.RequireEmailVerification {
		if err := s.sendVerification(ctx, u, body.CallbackURL); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"token": nil, "user": toUserJSON(u)})
	}
	token, _, err := s.startSession(c, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": token, "user": toUserJSON(u)})
}

// syntheticUser looks like a freshly created user but is stored nowhere.
func (s *Service) syntheticUser(name, email, image string) userJSON {
	id, err := newUUID()
	if err != nil {
		id = "00000000-0000-4000-8000-000000000000"
	}
	now := s.cfg.Now().UTC()
	return toUserJSON(pgsql.AuthUser{ID: id, Name: name, Email: email, Image: image,
		CreatedAt: now, UpdatedAt: now})
}
