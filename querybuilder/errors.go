package querybuilder

import (
	"fmt"
	"net/http"
)

// Error is a request error in PostgREST's shape: an HTTP status plus the
// code, message, details and hint of the JSON error body. Build returns only
// *Error values, so the gateway can answer with them as they are.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is a PostgREST code such as "PGRST100" or a SQLSTATE such as
	// "42703".
	Code    string
	Message string
	// Details and Hint are empty when there is nothing to say.
	Details string
	Hint    string
}

// Error implements error.
func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Details != "" {
		s += " (" + e.Details + ")"
	}
	return s
}

// parseError is a PGRST100 error in the form PostgREST gives its query
// string parse errors: the message names what failed to parse and where,
// the details say why.
func parseError(what, input string, pos int, details string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST100",
		Message: fmt.Sprintf("%q (line 1, column %d)", "failed to parse "+what+" ("+input+")", pos+1),
		Details: details,
	}
}

// tableNotFound is PGRST205 for a relation missing from the catalog.
func tableNotFound(schema, name string) *Error {
	return &Error{
		Status:  http.StatusNotFound,
		Code:    "PGRST205",
		Message: fmt.Sprintf("Could not find the table '%s.%s' in the schema cache", schema, name),
	}
}

// columnNotFound is the 42703 error PostgreSQL gives for an unknown column.
func columnNotFound(table, column string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "42703",
		Message: fmt.Sprintf("column %s.%s does not exist", table, column),
	}
}

// payloadColumnNotFound is PGRST204 for a body key or columns= entry that
// is not a column.
func payloadColumnNotFound(table, column string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST204",
		Message: fmt.Sprintf("Could not find the '%s' column of '%s' in the schema cache", column, table),
	}
}

// invalidBody is PGRST102 for a body that is empty or not the JSON (or CSV)
// the method needs.
func invalidBody(details string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST102",
		Message: "Empty or invalid json",
		Details: details,
	}
}

// notImplemented is PGRST127 for grammar rowgate parses but cannot run yet.
func notImplemented(feature string) *Error {
	return &Error{
		Status:  http.StatusBadRequest,
		Code:    "PGRST127",
		Message: "Feature not implemented",
		Details: feature,
	}
}

// internalError wraps a failure of the builder itself.
func internalError(err error) *Error {
	return &Error{
		Status:  http.StatusInternalServerError,
		Code:    "PGRSTX00",
		Message: "cannot build statement: " + err.Error(),
	}
}
