package auth

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	pgsql "github.com/rowgate/rowgate/sql"
)

// maxBody bounds the JSON bodies the routes read.
const maxBody = 64 << 10

// userJSON is a user as Better Auth's routes return it.
type userJSON struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"emailVerified"`
	Image         *string   `json:"image"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

func toUserJSON(u pgsql.AuthUser) userJSON {
	out := userJSON{ID: u.ID, Name: u.Name, Email: u.Email, EmailVerified: u.EmailVerified,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if u.Image != "" {
		out.Image = &u.Image
	}
	return out
}

// sessionJSON is a session as get-session returns it. Token is the
// caller's own token, which it already holds; the database has only its
// digest.
type sessionJSON struct {
	ID        string    `json:"id"`
	Token     string    `json:"token"`
	UserID    string    `json:"userId"`
	ExpiresAt time.Time `json:"expiresAt"`
	IPAddress *string   `json:"ipAddress"`
	UserAgent *string   `json:"userAgent"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func toSessionJSON(se pgsql.AuthSession, token string) sessionJSON {
	out := sessionJSON{ID: se.ID, Token: token, UserID: se.UserID, ExpiresAt: se.ExpiresAt,
		CreatedAt: se.CreatedAt, UpdatedAt: se.UpdatedAt}
	if se.IPAddress != "" {
		out.IPAddress = &se.IPAddress
	}
	if se.UserAgent != "" {
		out.UserAgent = &se.UserAgent
	}
	return out
}

// readJSON decodes the request body into v. Unknown fields are ignored,
// as Better Auth's clients send some (rememberMe, callbackURL, ...).
func readJSON(c echo.Context, v any) error {
	r := c.Request()
	if r.Body == nil {
		return errBadBody()
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxBody))
	if err != nil {
		return errBadBody()
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errBadBody()
	}
	return nil
}

// normalEmail lower-cases and trims email, and checks it is one plain
// address.
func normalEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > 254 {
		return "", errInvalidEmail()
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", errInvalidEmail()
	}
	return email, nil
}

// checkPassword applies the length rules (counted in characters).
func checkPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		return errInvalidPassword()
	case n < MinPasswordLength:
		return errPasswordTooShort()
	case n > MaxPasswordLength:
		return errPasswordTooLong()
	}
	return nil
}

// isNotFound reports a store miss.
func isNotFound(err error) bool { return errors.Is(err, pgsql.ErrNotFound) }
