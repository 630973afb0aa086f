package pgsql

import (
	"errors"
	"strconv"
	"strings"
)

// A view's query tree, as pg_rewrite.ev_action prints it, is PostgreSQL's
// node text format: {NODE :field value ...} for nodes, (...) for lists,
// <> for NULL, and bare tokens in which a backslash escapes the next
// character. Only the top query's target list matters here: the parser
// marks every output column that is a plain column reference with the
// relation and column it comes from (resorigtbl, resorigcol), following
// subqueries and CTEs but stopping at other views.

// origin is where one view column comes from.
type origin struct {
	// Rel is the oid of the source relation and Col its attribute number.
	Rel uint32
	Col int
}

// viewOrigins parses a view's ev_action text and returns, by the view's
// attribute number, the origin of every column that has one.
func viewOrigins(text string) (map[int]origin, error) {
	p := &nodeParser{s: text}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	queries, ok := v.([]any)
	if !ok || len(queries) == 0 {
		return nil, errors.New("parse view definition: no query")
	}
	query, ok := queries[0].(*treeNode)
	if !ok || query.kind != "QUERY" {
		return nil, errors.New("parse view definition: not a query")
	}

	out := map[int]origin{}
	targets, _ := query.field("targetList").([]any)
	for _, t := range targets {
		te, ok := t.(*treeNode)
		if !ok || te.kind != "TARGETENTRY" || te.atom("resjunk") == "true" {
			continue
		}
		resno, err1 := strconv.Atoi(te.atom("resno"))
		rel, err2 := strconv.ParseUint(te.atom("resorigtbl"), 10, 32)
		col, err3 := strconv.Atoi(te.atom("resorigcol"))
		if err1 != nil || err2 != nil || err3 != nil || rel == 0 || col <= 0 {
			continue
		}
		out[resno] = origin{Rel: uint32(rel), Col: col}
	}
	return out, nil
}

// treeNode is one {KIND :field value ...} node. A field's value is a
// string token, a *treeNode, a []any list, or a []string of several
// tokens (such as a constant's bytes).
type treeNode struct {
	kind   string
	fields map[string]any
}

func (n *treeNode) field(name string) any { return n.fields[name] }

// atom is a field's value when it is a single token.
func (n *treeNode) atom(name string) string {
	s, _ := n.fields[name].(string)
	return s
}

// nodeParser reads the node text format.
type nodeParser struct {
	s string
	i int
}

// token returns the next token without consuming it: one of the
// delimiters "{", "}", "(", ")", or a run of other characters up to
// whitespace or a delimiter, still escaped.
func (p *nodeParser) token() (string, int) {
	i := p.i
	for i < len(p.s) && (p.s[i] == ' ' || p.s[i] == '\n' || p.s[i] == '\t') {
		i++
	}
	if i >= len(p.s) {
		return "", i
	}
	if strings.IndexByte("{}()", p.s[i]) >= 0 {
		return p.s[i : i+1], i + 1
	}
	start := i
	for i < len(p.s) && strings.IndexByte(" \n\t{}()", p.s[i]) < 0 {
		if p.s[i] == '\\' && i+1 < len(p.s) {
			i++
		}
		i++
	}
	return p.s[start:i], i
}

func (p *nodeParser) next() string {
	tok, end := p.token()
	p.i = end
	return tok
}

func (p *nodeParser) peek() string {
	tok, _ := p.token()
	return tok
}

// value reads a node, a list or one token.
func (p *nodeParser) value() (any, error) {
	switch tok := p.next(); tok {
	case "":
		return nil, errors.New("parse view definition: unexpected end")
	case "{":
		return p.node()
	case "(":
		return p.list()
	case "}", ")":
		return nil, errors.New("parse view definition: unexpected " + tok)
	default:
		return unescapeToken(tok), nil
	}
}

// node reads the rest of a {KIND :field value ...} node.
func (p *nodeParser) node() (*treeNode, error) {
	n := &treeNode{kind: p.next(), fields: map[string]any{}}
	for {
		tok := p.next()
		switch {
		case tok == "}":
			return n, nil
		case strings.HasPrefix(tok, ":"):
			v, err := p.fieldValue()
			if err != nil {
				return nil, err
			}
			n.fields[tok[1:]] = v
		default:
			return nil, errors.New("parse view definition: unexpected " + tok)
		}
	}
}

// fieldValue reads everything up to the next field name or the end of
// the node: usually one value, several tokens for constants.
func (p *nodeParser) fieldValue() (any, error) {
	var vals []any
	for {
		tok := p.peek()
		if tok == "" || tok == "}" || (strings.HasPrefix(tok, ":") && len(vals) > 0) {
			break
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if strings.HasPrefix(tok, ":") {
			break
		}
	}
	if len(vals) == 1 {
		return vals[0], nil
	}
	return vals, nil
}

// list reads the rest of a (...) list.
func (p *nodeParser) list() ([]any, error) {
	out := []any{}
	for {
		switch p.peek() {
		case "":
			return nil, errors.New("parse view definition: unexpected end of list")
		case ")":
			p.next()
			return out, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// unescapeToken removes the backslashes of a token.
func unescapeToken(tok string) string {
	if !strings.Contains(tok, `\`) {
		return tok
	}
	var b strings.Builder
	for i := 0; i < len(tok); i++ {
		if tok[i] == '\\' && i+1 < len(tok) {
			i++
		}
		b.WriteByte(tok[i])
	}
	return b.String()
}
