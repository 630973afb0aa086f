// Package rls runs one API request as one PostgreSQL transaction under the
// caller's identity: it switches to the request's role, publishes the JWT
// claims and request details as transaction-local settings, runs the main
// statement and ends the transaction, so Row-Level Security policies see
// who is asking and nothing leaks to the next user of the pooled connection.
package rls

// Env is the identity and request context a transaction runs under. Every
// value is applied with set_config(name, value, true), so it lasts only for
// the transaction.
type Env struct {
	// Role is the database role to switch to (never empty).
	Role string
	// Anonymous is true when the request carried no token; it decides
	// whether an insufficient-privilege error answers 401 or 403.
	Anonymous bool
	// Claims is the JWT claims object as JSON, with "role" set.
	Claims []byte
	// Method and Path are the HTTP method and URL path.
	Method string
	Path   string
	// Headers and Cookies are JSON objects with lower-case header names.
	Headers []byte
	Cookies []byte
	// SearchPath is the schema list for search_path: the request's schema
	// first, then the extra search path.
	SearchPath []string
	// Timezone is the time zone for the transaction (Prefer: timezone), a
	// name the server knows; empty keeps the server's.
	Timezone string
	// ReadOnly runs the transaction READ ONLY.
	ReadOnly bool
	// Rollback ends the transaction with ROLLBACK instead of COMMIT: the
	// result is returned, nothing it changed persists.
	Rollback bool
	// Check, when not nil, sees the main statement's result before the
	// transaction ends. A non-nil error ends it with ROLLBACK and is what
	// Run returns (an *Error keeps its status; any other error answers
	// 500). Use it for rules that need the result, such as a singular
	// response or a cap on affected rows. It costs a second round trip.
	Check func(*Result) error
}

// Result is the single row every main statement returns.
type Result struct {
	// PageTotal is the number of rows in Body.
	PageTotal int64
	// Total is the total row count when it was asked for, or -1.
	Total int64
	// Body is the response body text PostgreSQL built, nil for none.
	Body []byte
	// Headers is response.headers as set by SQL during the transaction
	// (a JSON array of one-key objects), empty when unset.
	Headers string
	// Status is response.status as set by SQL, empty when unset.
	Status string
}
