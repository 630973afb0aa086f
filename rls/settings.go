package rls

import (
	"encoding/json"
	"strings"
)

// settingsSQL publishes a request's identity and context as
// transaction-local settings in one statement. search_path comes first and
// role before the claims, as PostgREST orders them. The role is a bound
// parameter like every other value.
const settingsSQL = "SELECT " +
	"pg_catalog.set_config('search_path', $1, true), " +
	"pg_catalog.set_config('role', $2, true), " +
	"pg_catalog.set_config('request.jwt.claims', $3, true), " +
	"pg_catalog.set_config('request.method', $4, true), " +
	"pg_catalog.set_config('request.path', $5, true), " +
	"pg_catalog.set_config('request.headers', $6, true), " +
	"pg_catalog.set_config('request.cookies', $7, true), " +
	// A function may set these at session level; blank them for this
	// transaction so one request's status and headers never answer the
	// next request on the same connection.
	"pg_catalog.set_config('response.headers', '', true), " +
	"pg_catalog.set_config('response.status', '', true)"

// Optional parts of the settings statement: the time zone (Prefer:
// timezone), then read-only, which may be turned on at any point of a
// transaction.
const (
	timezoneSQL = ", pg_catalog.set_config('timezone', $8, true)"
	readOnlySQL = ", pg_catalog.set_config('transaction_read_only', 'on', true)"
)

// settingsStatements holds the four forms of the settings statement, by
// [time zone][read only].
var settingsStatements = [2][2]string{
	{settingsSQL, settingsSQL + readOnlySQL},
	{settingsSQL + timezoneSQL, settingsSQL + timezoneSQL + readOnlySQL},
}

// settings returns the settings statement and its parameter values (text)
// for env, whose search path renders as searchPath.
func settings(env *Env, searchPath string) (string, [][]byte) {
	claims := env.Claims
	if len(claims) == 0 {
		// Policies can still ask auth.role().
		claims, _ = json.Marshal(map[string]string{"role": env.Role})
	}
	vals := [][]byte{
		[]byte(searchPath),
		[]byte(env.Role),
		claims,
		[]byte(env.Method),
		[]byte(env.Path),
		jsonOrEmpty(env.Headers),
		jsonOrEmpty(env.Cookies),
	}
	tz := 0
	if env.Timezone != "" {
		tz = 1
		vals = append(vals, []byte(env.Timezone))
	}
	ro := 0
	if env.ReadOnly {
		ro = 1
	}
	return settingsStatements[tz][ro], vals
}

// jsonOrEmpty returns b, or an empty JSON object when b is empty.
func jsonOrEmpty(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}

// SearchPath returns schemas as a search_path value: each name a quoted
// identifier, joined by commas. Names are used verbatim, so "Api" and "api"
// are different schemas.
func SearchPath(schemas []string) string {
	var sb strings.Builder
	for i, s := range schemas {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(QuoteIdent(s))
	}
	return sb.String()
}

// QuoteIdent quotes name as a PostgreSQL identifier, doubling any double
// quote inside it.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
