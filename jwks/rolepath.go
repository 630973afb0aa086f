package jwks

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// rolePath is a parsed role claim key: the steps that lead from the claims
// object to the role. It accepts PostgREST's JSPath (`.role`,
// `.app_metadata.role`, `.roles[0]`, `."https://example.com/role"`) and the
// `$`-prefixed JSONPath form of v16 (`$.role`, `$.roles[0]`, `$["x"]`).
// Filters and wildcards are not supported.
type rolePath []pathStep

// pathStep is one step: an object key, or an array index when isIndex.
type pathStep struct {
	key     string
	index   int
	isIndex bool
}

// maxPathIndex bounds array indexes so a typo cannot ask for a huge one.
const maxPathIndex = 1 << 20

var errEmptyPath = errors.New("empty path")

// parseRolePath parses s; "" means ".role".
func parseRolePath(s string) (rolePath, error) {
	if s == "" {
		s = ".role"
	}
	rest := strings.TrimPrefix(s, "$")
	if rest == "" {
		return nil, errEmptyPath
	}

	var p rolePath
	for rest != "" {
		var st pathStep
		var err error
		switch rest[0] {
		case '.':
			st, rest, err = parseKeyStep(rest[1:])
		case '[':
			st, rest, err = parseBracketStep(rest[1:])
		default:
			err = fmt.Errorf("unexpected %q at offset %d", rest[0], len(s)-len(rest))
		}
		if err != nil {
			return nil, fmt.Errorf("parse role claim key %q: %w", s, err)
		}
		p = append(p, st)
	}
	return p, nil
}

// parseKeyStep reads the key after a '.': a quoted string or a bare name
// that runs to the next '.' or '['.
func parseKeyStep(s string) (pathStep, string, error) {
	if strings.HasPrefix(s, `"`) {
		key, rest, err := parseQuoted(s)
		return pathStep{key: key}, rest, err
	}

	end := strings.IndexAny(s, ".[")
	if end < 0 {
		end = len(s)
	}
	key := s[:end]
	if key == "" {
		return pathStep{}, "", errors.New("empty key after '.'")
	}
	if strings.ContainsAny(key, "\"] \t\r\n") {
		return pathStep{}, "", fmt.Errorf("key %q must be quoted", key)
	}
	return pathStep{key: key}, s[end:], nil
}

// parseBracketStep reads `0]` or `"key"]` after a '['.
func parseBracketStep(s string) (pathStep, string, error) {
	if strings.HasPrefix(s, `"`) {
		key, rest, err := parseQuoted(s)
		if err != nil {
			return pathStep{}, "", err
		}
		if !strings.HasPrefix(rest, "]") {
			return pathStep{}, "", errors.New("missing ']'")
		}
		return pathStep{key: key}, rest[1:], nil
	}

	end := strings.IndexByte(s, ']')
	if end < 0 {
		return pathStep{}, "", errors.New("missing ']'")
	}
	digits := s[:end]
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return pathStep{}, "", fmt.Errorf("index %q is not a non-negative integer", digits)
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n > maxPathIndex {
		return pathStep{}, "", fmt.Errorf("index %q is too large", digits)
	}
	return pathStep{index: n, isIndex: true}, s[end+1:], nil
}

// parseQuoted reads a double-quoted key at the start of s; a backslash
// escapes the next byte.
func parseQuoted(s string) (string, string, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return "", "", errors.New("unterminated quoted key")
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated quoted key")
}

// lookup follows p through a decoded JSON value. It reports false when a
// step is missing or meets a value of the wrong kind.
func (p rolePath) lookup(v any) (any, bool) {
	for _, st := range p {
		if st.isIndex {
			arr, ok := v.([]any)
			if !ok || st.index >= len(arr) {
				return nil, false
			}
			v = arr[st.index]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[st.key]; !ok {
			return nil, false
		}
	}
	return v, true
}

// String renders p in the JSPath form.
func (p rolePath) String() string {
	var b strings.Builder
	for _, st := range p {
		if st.isIndex {
			b.WriteString("[" + strconv.Itoa(st.index) + "]")
			continue
		}
		b.WriteString(`."` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(st.key) + `"`)
	}
	return b.String()
}
