package gateway

import (
	"net/http"
	"slices"
	"unicode/utf8"
)

// The request's headers and cookies go to the database as JSON objects on
// every request. They are written here directly instead of through a map
// and encoding/json, which cost several allocations and a reflective walk
// per request; the output is the same: keys sorted, strings escaped as
// encoding/json escapes them.

// headerObject renders h as request.headers expects: an object with
// lower-case names, repeated headers joined with commas.
func headerObject(h http.Header) []byte {
	keys := make([]string, 0, len(h))
	size := 2
	for k, vs := range h {
		keys = append(keys, k)
		size += len(k) + 6
		for _, v := range vs {
			size += len(v) + 1
		}
	}
	slices.SortFunc(keys, compareFold)
	out := make([]byte, 0, size)
	out = append(out, '{')
	for i, k := range keys {
		// Names that differ only in case are one header; the last wins.
		if i+1 < len(keys) && compareFold(k, keys[i+1]) == 0 {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendJSONString(out, k, true)
		out = append(out, ':', '"')
		for j, v := range h[k] {
			if j > 0 {
				out = append(out, ',')
			}
			out = appendJSONChars(out, v, false)
		}
		out = append(out, '"')
	}
	return append(out, '}')
}

// cookieObject renders cookies as request.cookies expects; a repeated
// name keeps its last value.
func cookieObject(cookies []*http.Cookie) []byte {
	if len(cookies) == 0 {
		return []byte("{}")
	}
	sorted := slices.Clone(cookies)
	slices.SortStableFunc(sorted, func(a, b *http.Cookie) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	out := []byte{'{'}
	for i, c := range sorted {
		if i+1 < len(sorted) && sorted[i+1].Name == c.Name {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendJSONString(out, c.Name, false)
		out = append(out, ':')
		out = appendJSONString(out, c.Value, false)
	}
	return append(out, '}')
}

// compareFold orders strings as their ASCII lower-case forms.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lowerASCII(a[i]), lowerASCII(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// appendJSONString appends s as a JSON string, ASCII lower-cased when
// lower is set.
func appendJSONString(dst []byte, s string, lower bool) []byte {
	dst = append(dst, '"')
	dst = appendJSONChars(dst, s, lower)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// jsonPlain marks the ASCII characters appendJSONChars copies unchanged.
var jsonPlain = func() (plain [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return plain
}()

// appendJSONChars appends the characters of s escaped for a JSON string
// as encoding/json does by default: quote, backslash and control
// characters, the HTML-sensitive <, > and &, U+2028 and U+2029, and
// invalid UTF-8 as U+FFFD.
func appendJSONChars(dst []byte, s string, lower bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if !lower && c < utf8.RuneSelf && jsonPlain[c] {
			// Copy a run of characters that need no escaping at once: a
			// token in Authorization is hundreds of them.
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf && jsonPlain[s[j]] {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			case lower:
				dst = append(dst, lowerASCII(c))
			default:
				dst = append(dst, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}
