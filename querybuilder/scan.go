package querybuilder

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// scanner walks one query parameter value. Its errors are PGRST100 errors
// that name the parameter kind, the input and the column where parsing
// stopped, as PostgREST's do.
type scanner struct {
	s    string
	i    int
	what string // "filter", "select parameter", ...
	in   string // the text shown in the message
	// depth is how deeply parentheses nest at i (see enter), and nodes
	// how many items or tree nodes were read (see node).
	depth, nodes int
}

func newScanner(what, s string) *scanner {
	return &scanner{s: s, what: what, in: s}
}

func (c *scanner) eof() bool { return c.i >= len(c.s) }

func (c *scanner) peek() byte {
	if c.eof() {
		return 0
	}
	return c.s[c.i]
}

func (c *scanner) rest() string { return c.s[c.i:] }

func (c *scanner) has(p string) bool { return strings.HasPrefix(c.s[c.i:], p) }

// accept consumes p when the input continues with it.
func (c *scanner) accept(p string) bool {
	if c.has(p) {
		c.i += len(p)
		return true
	}
	return false
}

func (c *scanner) skipSpaces() {
	for !c.eof() && (c.s[c.i] == ' ' || c.s[c.i] == '\t') {
		c.i++
	}
}

// fail is a parse error at the current position.
func (c *scanner) fail(details string) *Error {
	pos := utf8.RuneCountInString(c.s[:min(c.i, len(c.s))])
	return parseError(c.what, c.in, pos, details)
}

// unexpected is a parse error that names what was found and what was
// expected instead.
func (c *scanner) unexpected(expecting string) *Error {
	found := "end of input"
	if !c.eof() {
		r, _ := utf8.DecodeRuneInString(c.rest())
		found = fmt.Sprintf("%q", string(r))
	}
	return c.fail("unexpected " + found + " expecting " + expecting)
}

// isIdentRune reports whether r may appear in an unquoted name: letters,
// digits, '_', '$' and spaces (trimmed afterwards), as in PostgREST.
func isIdentRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$' || r == ' '
}

// ident reads one run of identifier characters, trimmed of spaces.
func (c *scanner) ident() (string, bool) {
	start := c.i
	for !c.eof() {
		r, n := utf8.DecodeRuneInString(c.rest())
		if !isIdentRune(r) {
			break
		}
		c.i += n
	}
	s := strings.TrimSpace(c.s[start:c.i])
	return s, c.i > start && s != ""
}

// quoted reads a double-quoted value in which a backslash escapes the next
// character.
func (c *scanner) quoted() (string, *Error) {
	if !c.accept(`"`) {
		return "", c.unexpected(`"\""`)
	}
	var b strings.Builder
	for {
		if c.eof() {
			return "", c.unexpected(`"\""`)
		}
		ch := c.s[c.i]
		switch ch {
		case '"':
			c.i++
			return b.String(), nil
		case '\\':
			c.i++
			if c.eof() {
				return "", c.unexpected("escaped character")
			}
			r, n := utf8.DecodeRuneInString(c.rest())
			b.WriteRune(r)
			c.i += n
		default:
			b.WriteByte(ch)
			c.i++
		}
	}
}

// fieldName reads a quoted name or identifiers joined by dashes (a dash
// followed by '>' starts a JSON arrow instead).
func (c *scanner) fieldName() (string, *Error) {
	c.skipSpaces()
	if c.peek() == '"' {
		start := c.i
		name, err := c.quoted()
		if err != nil {
			return "", err
		}
		if bad := badByte(c.s[start:c.i]); bad >= 0 {
			// Names reach the statement's text as quoted identifiers, where
			// a NUL would end the text early and invalid UTF-8 would fail
			// the whole statement.
			c.i = start + bad
			return "", c.fail("a name may not hold a NUL character or invalid UTF-8")
		}
		return name, nil
	}
	first, ok := c.ident()
	if !ok {
		return "", c.unexpected("field name (* or [a..z0..9_$])")
	}
	parts := []string{first}
	for c.has("-") && !c.has("->") {
		c.i++
		next, ok := c.ident()
		if !ok {
			return "", c.unexpected("letter or digit")
		}
		parts = append(parts, next)
	}
	return strings.Join(parts, "-"), nil
}

// castName reads a cast target: letters, digits, '_' and spaces only, so the
// type name can be written into SQL as it is without any risk.
func (c *scanner) castName() (string, *Error) {
	start := c.i
	for !c.eof() {
		r, n := utf8.DecodeRuneInString(c.rest())
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == ' ') || r >= utf8.RuneSelf {
			break
		}
		c.i += n
	}
	s := strings.TrimSpace(c.s[start:c.i])
	if s == "" {
		return "", c.unexpected("letter or digit")
	}
	return strings.ToLower(s), nil
}

// badByte is the offset of the first NUL or invalid UTF-8 byte of s, or
// -1 when there is none.
func badByte(s string) int {
	for i, r := range s {
		if r == 0 {
			return i
		}
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i
			}
		}
	}
	return -1
}
