package querybuilder

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// bind renders the arguments of the call to fn: each a bound parameter
// cast to the argument's declared type, in named notation
// ("a" := $1::integer) so defaults fill the gaps, or positionally for an
// unnamed argument that takes the whole body.
func (in *callInput) bind(fn *catalog.Function) ([]frag, *Error) {
	// The whole body as the one argument.
	whole := in.bodyType != "" || in.singleObject ||
		in.jsonBody && singleArg(fn, true, "json", "jsonb")
	if whole {
		a := fn.Args[0]
		var v any = string(in.body)
		if a.Type == "bytea" {
			v = `\x` + hex.EncodeToString(in.body)
		}
		return []frag{argf(argPrefix(a)+argParam(a.Type), v)}, nil
	}

	// Named arguments, in declaration order.
	var out []frag
	for _, a := range fn.Args {
		v, ok := in.named[a.Name]
		if !ok || a.Name == "" {
			continue
		}
		f, err := argSQL(a, v)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// argPrefix is what precedes an argument's value: its name in named
// notation, and VARIADIC for the variadic argument.
func argPrefix(a catalog.Arg) string {
	p := ""
	if a.Variadic {
		p = "VARIADIC "
	}
	if a.Name != "" {
		p += quoteIdent(a.Name) + " := "
	}
	return p
}

// argParam is a placeholder cast to typ, a type name from the catalog.
func argParam(typ string) string {
	return "?::" + escapeMarks(typ)
}

// argSQL renders one named argument from its offered value.
func argSQL(a catalog.Arg, v argValue) (frag, *Error) {
	prefix := argPrefix(a)

	// Query string and form values are text; a repeated key fills a
	// variadic argument, any other takes its first value.
	if v.json == nil {
		if a.Variadic {
			return argf(prefix+argParam(a.Type), textArray(v.texts)), nil
		}
		return argf(prefix+argParam(a.Type), v.texts[0]), nil
	}

	raw := bytes.TrimSpace(v.json)
	isJSON := a.Type == "json" || a.Type == "jsonb"
	switch {
	case string(raw) == "null":
		return argf(prefix+argParam(a.Type), nil), nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return frag{}, invalidBody(jsonDetails(err))
		}
		if isJSON {
			// A JSON string given to a json argument stays a JSON string.
			return argf(prefix+argParam(a.Type), string(raw)), nil
		}
		return argf(prefix+argParam(a.Type), s), nil
	case isJSON:
		return argf(prefix+argParam(a.Type), string(raw)), nil
	case raw[0] == '[':
		lit, err := arrayLiteral(raw)
		if err != nil {
			return frag{}, invalidBody(jsonDetails(err))
		}
		return argf(prefix+argParam(a.Type), lit), nil
	case raw[0] == '{':
		// An object fills a composite type's fields by name.
		return argf(prefix+"json_populate_record(NULL::"+escapeMarks(a.Type)+", ?::json)",
			string(raw)), nil
	default:
		// Numbers and booleans, as written.
		return argf(prefix+argParam(a.Type), string(raw)), nil
	}
}

// arrayLiteral turns a JSON array into a PostgreSQL array literal: nested
// arrays nest, null is NULL, strings are quoted, numbers keep their
// digits, and objects become quoted JSON text (for json[] and jsonb[]).
func arrayLiteral(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v []any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	var b strings.Builder
	if err := writeArray(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeArray(b *strings.Builder, elems []any) error {
	b.WriteByte('{')
	for i, e := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		switch e := e.(type) {
		case nil:
			b.WriteString("NULL")
		case string:
			writeQuoted(b, e)
		case json.Number:
			b.WriteString(e.String())
		case bool:
			if e {
				b.WriteString("true")
			} else {
				b.WriteString("false")
			}
		case []any:
			if err := writeArray(b, e); err != nil {
				return err
			}
		default:
			js, err := json.Marshal(e)
			if err != nil {
				return err
			}
			writeQuoted(b, string(js))
		}
	}
	b.WriteByte('}')
	return nil
}

// textArray is a one-dimensional array literal of texts.
func textArray(texts []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range texts {
		if i > 0 {
			b.WriteByte(',')
		}
		writeQuoted(&b, s)
	}
	b.WriteByte('}')
	return b.String()
}

// writeQuoted writes an array element in double quotes, escaping
// backslashes and quotes.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
}
