package rls

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Error is a failed request in PostgREST's terms: an HTTP status and the
// body fields code, message, details and hint. Errors that PostgreSQL
// raised keep their SQLSTATE as Code.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is the SQLSTATE or a PGRSTnnn code.
	Code    string
	Message string
	Details string
	Hint    string
	// Headers are extra response headers, set only by RAISE SQLSTATE
	// 'PGRST' errors whose detail names them.
	Headers map[string]string

	// cause is the underlying error, for logs only; it never reaches the
	// client.
	cause error
}

// Error returns the code, status and message.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// Unwrap returns the error e was made from, if any.
func (e *Error) Unwrap() error { return e.cause }

// acquireError marks a failure to get a pooled connection, which says
// nothing about the request itself.
type acquireError struct {
	err error
}

func (e *acquireError) Error() string { return "acquire connection: " + e.err.Error() }
func (e *acquireError) Unwrap() error { return e.err }

// internalError is a fault of rowgate itself, such as a statement whose
// result does not have the five expected columns.
func internalError(err error) *Error {
	return &Error{
		Status:  500,
		Code:    "PGRSTX00",
		Message: "Internal error while running the request",
		cause:   err,
	}
}

// FromPgError turns err into an [Error]. A *[pgconn.PgError] keeps its
// SQLSTATE, message, detail and hint, and gets the HTTP status PostgREST
// gives that SQLSTATE; anonymous decides whether insufficient privilege is
// 401 (no token) or 403. An *Error is returned as it is. A failure to
// acquire a pooled connection answers 504 PGRST003 when it timed out and
// 503 PGRST000 otherwise; any other error (network, cancelled context)
// answers 503 PGRST001. FromPgError returns nil for a nil err.
func FromPgError(err error, anonymous bool) *Error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}

	if ae, ok := errors.AsType[*acquireError](err); ok {
		if errors.Is(ae.err, context.DeadlineExceeded) {
			return &Error{
				Status:  504,
				Code:    "PGRST003",
				Message: "Timed out waiting for a database connection",
				cause:   err,
			}
		}
		return &Error{
			Status:  503,
			Code:    "PGRST000",
			Message: "Cannot connect to the database",
			cause:   err,
		}
	}

	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	if !ok {
		return &Error{
			Status:  503,
			Code:    "PGRST001",
			Message: "Database connection error",
			cause:   err,
		}
	}
	if pgErr.Code == "PGRST" {
		return fromRaise(pgErr)
	}
	return &Error{
		Status:  HTTPStatus(pgErr.Code, pgErr.Message, anonymous),
		Code:    pgErr.Code,
		Message: pgErr.Message,
		Details: pgErr.Detail,
		Hint:    pgErr.Hint,
		cause:   err,
	}
}

// HTTPStatus returns the HTTP status for a PostgreSQL error with the given
// SQLSTATE and message, following PostgREST's table. anonymous makes
// insufficient privilege 401 instead of 403.
func HTTPStatus(code, message string, anonymous bool) int {
	// Exact codes first.
	switch code {
	case "23503", "23505":
		return 409
	case "25006":
		return 405
	case "21000":
		// pg-safeupdate's refusal of an unfiltered UPDATE or DELETE.
		if strings.HasSuffix(message, "requires a WHERE clause") {
			return 400
		}
		return 500
	case "22023":
		// set_config('role', ...) with a role the token named but the
		// database lacks.
		if strings.HasPrefix(message, "role ") && strings.HasSuffix(message, " does not exist") {
			return 401
		}
		return 400
	case "53400", "42P17":
		return 500
	case "57P01":
		return 503
	case "P0001":
		return 400
	case "42883":
		if strings.HasPrefix(message, "function xmlagg(") {
			return 406
		}
		return 404
	case "42P01":
		return 404
	case "42501":
		if anonymous {
			return 401
		}
		return 403
	}

	// PTnnn lets SQL choose the status.
	if rest, ok := strings.CutPrefix(code, "PT"); ok {
		if n, err := strconv.Atoi(rest); err == nil && len(rest) == 3 && n >= 100 {
			return n
		}
		return 500
	}

	// Then classes.
	if len(code) < 2 {
		return 400
	}
	switch code[:2] {
	case "08", "53":
		return 503
	case "09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "P0", "XX":
		return 500
	case "0L", "0P", "28":
		return 403
	}
	return 400
}
