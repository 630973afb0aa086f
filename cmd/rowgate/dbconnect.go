package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// connectError describes a failed connection to db-uri on one line: the login user, the
// server's address and what went wrong, which is the server's own message when it sent
// one (such as `role "x" does not exist (SQLSTATE 28000)`). pgx tries each address (and
// TLS, then plain) in turn and reports every attempt; the first says enough. The password
// is never part of the message.
func connectError(cc *pgconn.Config, err error) error {
	return configErrorf("db-uri", "cannot connect as %q to %s: %s",
		cc.User, dbAddress(cc), connectReason(err))
}

// dbAddress is the first server address of cc: host:port, or the socket file's path.
func dbAddress(cc *pgconn.Config) string {
	if strings.HasPrefix(cc.Host, "/") {
		return cc.Host + "/.s.PGSQL." + strconv.Itoa(int(cc.Port))
	}
	return hostPort(cc.Host, int(cc.Port))
}

// connectReason is the cause of a failed connection without pgx's framing: the server's
// message and SQLSTATE when the server refused the login, or the first attempt's error.
func connectReason(err error) string {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	ce, ok := errors.AsType[*pgconn.ConnectError](err)
	if !ok {
		return firstLine(err.Error())
	}
	// ConnectError wraps one error per attempt, each wrapping the attempt's cause.
	attempt := ce.Unwrap()
	if j, ok := attempt.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		attempt = j.Unwrap()[0]
	}
	if cause := errors.Unwrap(attempt); cause != nil {
		attempt = cause
	}
	return firstLine(attempt.Error())
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
