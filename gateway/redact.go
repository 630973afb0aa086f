package gateway

import (
	"net/http"
	"slices"
	"strings"
)

// sessionCookies name the cookies that carry a Neon Auth session: the
// built-in auth service's session cookie (on HTTPS with the __Secure-
// prefix) and Better Auth's cookie cache of the session. Whoever holds
// one acts as the user, so they never reach SQL through request.cookies
// or request.headers, where a trigger or a log table could keep them.
var sessionCookies = []string{
	"neonauth.session_token",
	"__Secure-neonauth.session_token",
	"neonauth.session_data",
	"__Secure-neonauth.session_data",
}

// sessionCookieMark is a substring of every name in sessionCookies; a
// Cookie header without it needs no redaction.
const sessionCookieMark = "neonauth.session_"

// IsSessionCookie reports whether the cookie called name carries a
// session, and is therefore kept from request.cookies and
// request.headers.
func IsSessionCookie(name string) bool {
	return slices.Contains(sessionCookies, name)
}

// redactHeader returns h without session cookies in its Cookie header
// (and without the header when nothing else is left). h is not changed;
// when it holds no session cookie it is returned as is.
func redactHeader(h http.Header) http.Header {
	vs, ok := h["Cookie"]
	if !ok || !slices.ContainsFunc(vs, hasSessionMark) {
		return h
	}
	kept := make([]string, 0, len(vs))
	for _, v := range vs {
		if v = redactCookieLine(v); v != "" {
			kept = append(kept, v)
		}
	}
	out := make(http.Header, len(h))
	for k, v := range h {
		out[k] = v
	}
	if len(kept) == 0 {
		delete(out, "Cookie")
	} else {
		out["Cookie"] = kept
	}
	return out
}

// redactCookies drops the session cookies from cookies, in place.
func redactCookies(cookies []*http.Cookie) []*http.Cookie {
	return slices.DeleteFunc(cookies, func(c *http.Cookie) bool { return IsSessionCookie(c.Name) })
}

func hasSessionMark(v string) bool { return strings.Contains(v, sessionCookieMark) }

// redactCookieLine drops the session cookies from one Cookie header value
// ("a=1; b=2"), split as net/http splits it.
func redactCookieLine(line string) string {
	if !hasSessionMark(line) {
		return line
	}
	var kept []string
	for part := range strings.SplitSeq(line, ";") {
		part = strings.Trim(part, " \t")
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if IsSessionCookie(strings.Trim(name, " \t")) {
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, "; ")
}
