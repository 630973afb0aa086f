package rls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, message string
		anonymous     bool
		want          int
	}{
		{"08000", "", false, 503},
		{"08006", "", false, 503},
		{"09000", "", false, 500},
		{"0L000", "", false, 403},
		{"0LP01", "", false, 403},
		{"0P000", "", false, 403},
		{"23503", "", false, 409},
		{"23505", "", false, 409},
		{"23502", "", false, 400},
		{"25006", "", false, 405},
		{"21000", "UPDATE requires a WHERE clause", false, 400},
		{"21000", "more than one row returned by a subquery used as an expression", false, 500},
		{"22023", `role "nobody" does not exist`, false, 401},
		{"22023", "invalid parameter value", false, 400},
		{"25001", "", false, 500},
		{"28000", "", false, 403},
		{"28P01", "", false, 403},
		{"2D000", "", false, 500},
		{"38000", "", false, 500},
		{"39000", "", false, 500},
		{"3B000", "", false, 500},
		{"40001", "", false, 500},
		{"40P01", "", false, 500},
		{"53400", "", false, 500},
		{"53100", "", false, 503},
		{"53300", "", false, 503},
		{"54000", "", false, 500},
		{"55P03", "", false, 500},
		{"57P01", "", false, 503},
		{"57014", "", false, 500},
		{"58030", "", false, 500},
		{"F0000", "", false, 500},
		{"HV000", "", false, 500},
		{"P0001", "", false, 400},
		{"P0002", "", false, 500},
		{"XX000", "", false, 500},
		{"42883", "function api.nope() does not exist", false, 404},
		{"42883", "function xmlagg(text) does not exist", false, 406},
		{"42P01", "", false, 404},
		{"42P17", "", false, 500},
		{"42501", "permission denied", false, 403},
		{"42501", "permission denied", true, 401},
		{"PT402", "", false, 402},
		{"PT418", "", true, 418},
		{"PTabc", "", false, 500},
		{"PT099", "", false, 500},
		{"22P02", "", false, 400},
		{"42703", "", false, 400},
		{"", "", false, 400},
	}
	for _, tt := range tests {
		if got := HTTPStatus(tt.code, tt.message, tt.anonymous); got != tt.want {
			t.Errorf("HTTPStatus(%q, %q, %v) = %d, want %d", tt.code, tt.message, tt.anonymous, got, tt.want)
		}
	}
}

func TestFromPgError(t *testing.T) {
	t.Parallel()
	pg := &pgconn.PgError{Code: "23505", Message: "duplicate key", Detail: "Key (id)=(1) exists.", Hint: "h"}
	tests := []struct {
		name string
		err  error
		want Error
	}{
		{"pg error", fmt.Errorf("wrapped: %w", pg),
			Error{Status: 409, Code: "23505", Message: "duplicate key", Details: "Key (id)=(1) exists.", Hint: "h"}},
		{"raise", &pgconn.PgError{Code: "PGRST",
			Message: `{"code":"PGRST999","message":"m","details":"d"}`,
			Detail:  `{"status":429,"headers":{"Retry-After":"5"}}`},
			Error{Status: 429, Code: "PGRST999", Message: "m", Details: "d"}},
		{"raise without code", &pgconn.PgError{Code: "PGRST",
			Message: `{"message":"m"}`, Detail: `{"status":400}`},
			Error{Status: 500, Code: "PGRST121"}},
		{"raise without status", &pgconn.PgError{Code: "PGRST",
			Message: `{"code":"1","message":"m"}`, Detail: `{"headers":{}}`},
			Error{Status: 500, Code: "PGRST121"}},
		{"raise with bad status", &pgconn.PgError{Code: "PGRST",
			Message: `{"code":"1","message":"m"}`, Detail: `{"status":9000}`},
			Error{Status: 500, Code: "PGRST121"}},
		{"raise with bad detail", &pgconn.PgError{Code: "PGRST",
			Message: `{"code":"1","message":"m"}`, Detail: `status`},
			Error{Status: 500, Code: "PGRST121"}},
		{"network", io.ErrUnexpectedEOF, Error{Status: 503, Code: "PGRST001"}},
		{"cancelled", context.Canceled, Error{Status: 503, Code: "PGRST001"}},
		{"acquire timeout", &acquireError{err: fmt.Errorf("x: %w", context.DeadlineExceeded)},
			Error{Status: 504, Code: "PGRST003"}},
		{"acquire connect failure", &acquireError{err: &pgconn.PgError{Code: "28P01"}},
			Error{Status: 503, Code: "PGRST000"}},
		{"already mapped", &Error{Status: 406, Code: "PGRST116", Message: "x"},
			Error{Status: 406, Code: "PGRST116", Message: "x"}},
	}
	for _, tt := range tests {
		got := FromPgError(tt.err, false)
		if got == nil {
			t.Fatalf("%s: nil", tt.name)
		}
		if got.Status != tt.want.Status || got.Code != tt.want.Code ||
			(tt.want.Message != "" && got.Message != tt.want.Message) ||
			got.Details != tt.want.Details && tt.want.Details != "" || got.Hint != tt.want.Hint {
			t.Errorf("%s: got %+v, want %+v", tt.name, *got, tt.want)
		}
		if got.Message == "" {
			t.Errorf("%s: empty message", tt.name)
		}
		if !errors.Is(got, tt.err) && got.Code != "PGRST116" {
			t.Errorf("%s: cause not kept", tt.name)
		}
	}
	if FromPgError(nil, true) != nil {
		t.Error("nil error mapped to non-nil")
	}
	raise := FromPgError(&pgconn.PgError{Code: "PGRST",
		Message: `{"code":"1","message":"m"}`, Detail: `{"status":402,"headers":{"X-A":"b"}}`}, true)
	if raise.Headers["X-A"] != "b" {
		t.Errorf("raise headers %v", raise.Headers)
	}
}

func TestSearchPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"api"}, `"api"`},
		{[]string{"Api", "public"}, `"Api", "public"`},
		{[]string{`we"ird`, "a,b", "x y"}, `"we""ird", "a,b", "x y"`},
	}
	for _, tt := range tests {
		if got := SearchPath(tt.in); got != tt.want {
			t.Errorf("SearchPath(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := qualifiedName(`api.check"it`); got != `"api"."check""it"` {
		t.Errorf("qualifiedName = %s", got)
	}
}
