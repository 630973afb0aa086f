package auth

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// apiError is an error answer in Better Auth's shape, which its clients
// read: {"code": "INVALID_EMAIL_OR_PASSWORD", "message": "..."}.
type apiError struct {
	status     int
	Code       string `json:"code"`
	Message    string `json:"message"`
	retryAfter time.Duration
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func fail(status int, code, message string) *apiError {
	return &apiError{status: status, Code: code, Message: message}
}

// The errors the routes answer with; codes and messages are Better Auth's.
var (
	errInvalidCredentials = func() *apiError {
		return fail(http.StatusUnauthorized, "INVALID_EMAIL_OR_PASSWORD", "Invalid email or password")
	}
	errInvalidEmail = func() *apiError {
		return fail(http.StatusBadRequest, "INVALID_EMAIL", "Invalid email")
	}
	errInvalidPassword = func() *apiError {
		return fail(http.StatusBadRequest, "INVALID_PASSWORD", "Invalid password")
	}
	errPasswordTooShort = func() *apiError {
		return fail(http.StatusBadRequest, "PASSWORD_TOO_SHORT", "Password too short")
	}
	errPasswordTooLong = func() *apiError {
		return fail(http.StatusBadRequest, "PASSWORD_TOO_LONG", "Password too long")
	}
	errUserExists = func() *apiError {
		return fail(http.StatusUnprocessableEntity, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
			"User already exists. Use another email.")
	}
	errEmailNotVerified = func() *apiError {
		return fail(http.StatusForbidden, "EMAIL_NOT_VERIFIED", "Email not verified")
	}
	errUnauthorized = func() *apiError {
		return fail(http.StatusUnauthorized, "UNAUTHORIZED", "Unauthorized")
	}
	errInvalidToken = func() *apiError {
		return fail(http.StatusBadRequest, "INVALID_TOKEN", "Invalid token")
	}
	errInvalidOrigin = func() *apiError {
		return fail(http.StatusForbidden, "INVALID_ORIGIN", "Invalid origin")
	}
	errVerificationNotEnabled = func() *apiError {
		return fail(http.StatusBadRequest, "VERIFICATION_EMAIL_NOT_ENABLED",
			"Verification email isn't enabled")
	}
	errBadBody = func() *apiError {
		return fail(http.StatusBadRequest, "VALIDATION_ERROR", "Invalid request body")
	}
	errInternal = func() *apiError {
		return fail(http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Internal server error")
	}
)

func errTooMany(wait time.Duration) *apiError {
	e := fail(http.StatusTooManyRequests, "TOO_MANY_REQUESTS",
		"Too many requests. Please try again later.")
	e.retryAfter = wait
	return e
}

// writeError answers with err, logging causes the client never sees.
func (s *Service) writeError(c echo.Context, err error) error {
	ae, ok := err.(*apiError)
	if !ok {
		s.log.ErrorContext(c.Request().Context(), "auth: request failed",
			"path", c.Request().URL.Path, "error", err)
		ae = errInternal()
	}
	if ae.retryAfter > 0 {
		secs := strconv.Itoa(int((ae.retryAfter + time.Second - 1) / time.Second))
		c.Response().Header().Set("Retry-After", secs)
		c.Response().Header().Set("X-Retry-After", secs)
	}
	return c.JSON(ae.status, ae)
}
