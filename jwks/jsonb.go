package jwks

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// The claims go to PostgreSQL as request.jwt.claims, where auth.jwt() and
// policies cast them to jsonb. Some valid JSON cannot be cast: a \u0000
// escape (jsonb text cannot hold NUL), a UTF-16 surrogate escape that is
// not part of a pair, and numbers beyond the numeric type's range. A token
// carrying them would verify here and then break every query that reads
// the claims, so it is refused up front with 401 PGRST303.

// maxJSONBExponent bounds the exponent of a number in the claims. A token
// is at most maxTokenBytes long, so its payload has fewer than 12 288
// digits; with an exponent within ±4000 a number has fewer than 16 383
// digits after the point and 131 072 before it, the limits of numeric.
const maxJSONBExponent = 4000

// jsonbSafe reports whether raw, which must be valid JSON, holds no escape
// that jsonb refuses: \u0000 or an unpaired surrogate. Backslashes occur
// only inside strings in valid JSON, so a plain scan finds every escape.
func jsonbSafe(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		j := bytes.IndexByte(raw[i:], '\\')
		if j < 0 {
			return true
		}
		i += j + 1 // the escaped character
		if raw[i] != 'u' {
			continue
		}
		r := hex4(raw[i+1 : i+5])
		i += 4
		switch {
		case r == 0:
			return false
		case r >= 0xDC00 && r <= 0xDFFF:
			// A low surrogate without a high one before it.
			return false
		case r >= 0xD800 && r <= 0xDBFF:
			// A high surrogate must be followed by an escaped low one.
			if i+6 >= len(raw) || raw[i+1] != '\\' || raw[i+2] != 'u' {
				return false
			}
			if lo := hex4(raw[i+3 : i+7]); lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

// hex4 decodes four hex digits; valid JSON guarantees them.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// numbersSafe reports whether every number in v, decoded with UseNumber,
// has an exponent numeric can take.
func numbersSafe(v any) bool {
	switch x := v.(type) {
	case json.Number:
		i := strings.IndexAny(string(x), "eE")
		if i < 0 {
			return true
		}
		exp, err := strconv.Atoi(strings.TrimPrefix(string(x[i+1:]), "+"))
		return err == nil && exp >= -maxJSONBExponent && exp <= maxJSONBExponent
	case map[string]any:
		for _, e := range x {
			if !numbersSafe(e) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !numbersSafe(e) {
				return false
			}
		}
	}
	return true
}
