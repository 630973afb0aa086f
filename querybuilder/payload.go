package querybuilder

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// payload is a write body normalized to a JSON array of objects. The JSON
// text goes to PostgreSQL unchanged, so numbers keep every digit.
type payload struct {
	// json is the body as a JSON array of objects.
	json string
	// keys is the union of the objects' keys in first-seen order.
	keys []string
	// rows is the number of objects; first holds the first one.
	rows  int
	first map[string]json.RawMessage
}

// parsePayload reads r.Body by its content type: JSON (an object or an
// array of objects), text/csv (a header line, then rows; the unquoted
// field NULL is null) or a URL-encoded form (one object of strings).
func parsePayload(r *Request) (*payload, *Error) {
	switch r.ContentType {
	case "text/csv":
		return csvPayload(r.Body)
	case "application/x-www-form-urlencoded":
		return formPayload(r.Body)
	case "", "application/json", "application/vnd.pgrst.object+json", "application/vnd.pgrst.array+json":
		return jsonPayload(r.Body)
	default:
		return nil, &Error{
			Status:  http.StatusBadRequest,
			Code:    "PGRST102",
			Message: "Content-Type not acceptable: " + r.ContentType,
		}
	}
}

// jsonPayload validates a JSON body and collects its keys.
func jsonPayload(body []byte) (*payload, *Error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	p := &payload{}
	seen := map[string]bool{}

	tok, err := dec.Token()
	if err != nil {
		return nil, invalidBody(jsonDetails(err))
	}
	isArray := tok == json.Delim('[')
	switch {
	case tok == json.Delim('{'):
		if err := p.readObject(dec, seen); err != nil {
			return nil, invalidBody(jsonDetails(err))
		}
	case isArray:
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, invalidBody(jsonDetails(err))
			}
			if tok != json.Delim('{') {
				return nil, invalidBody("All object keys must match")
			}
			if err := p.readObject(dec, seen); err != nil {
				return nil, invalidBody(jsonDetails(err))
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, invalidBody(jsonDetails(err))
		}
	default:
		return nil, invalidBody("expected a JSON object or an array of objects")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidBody("unexpected data after the JSON value")
	}

	text := strings.TrimSpace(string(body))
	if !isArray {
		text = "[" + text + "]"
	}
	p.json = text
	return p, nil
}

// readObject reads the members of an object whose '{' was consumed.
func (p *payload) readObject(dec *json.Decoder, seen map[string]bool) error {
	obj := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		obj[key] = v
		if !seen[key] {
			seen[key] = true
			p.keys = append(p.keys, key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if p.rows == 0 {
		p.first = obj
	}
	p.rows++
	return nil
}

// jsonDetails turns a decoder error into the details of PGRST102.
func jsonDetails(err error) string {
	if errors.Is(err, io.EOF) {
		return "Empty or incomplete JSON"
	}
	return err.Error()
}

// csvPayload turns a CSV body into a JSON array of string values.
func csvPayload(body []byte) (*payload, *Error) {
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		return nil, invalidBody("invalid CSV: " + err.Error())
	}
	if len(records) == 0 {
		return nil, invalidBody("empty CSV")
	}
	header := records[0]
	rows := make([][]*string, 0, len(records)-1)
	for _, rec := range records[1:] {
		row := make([]*string, len(rec))
		for i := range rec {
			if rec[i] != "NULL" {
				row[i] = &rec[i]
			}
		}
		rows = append(rows, row)
	}
	return objectsPayload(header, rows)
}

// formPayload turns a URL-encoded body into one JSON object of strings;
// the first value of a repeated key wins.
func formPayload(body []byte) (*payload, *Error) {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalidBody("invalid form: " + err.Error())
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	row := make([]*string, len(keys))
	for i, k := range keys {
		v := vals[k][0]
		row[i] = &v
	}
	return objectsPayload(keys, [][]*string{row})
}

// objectsPayload encodes rows of string values (nil for null) under keys.
func objectsPayload(keys []string, rows [][]*string) (*payload, *Error) {
	var b strings.Builder
	b.WriteByte('[')
	for r, row := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kj, _ := json.Marshal(k)
			b.Write(kj)
			b.WriteByte(':')
			if i < len(row) && row[i] != nil {
				vj, _ := json.Marshal(*row[i])
				b.Write(vj)
			} else {
				b.WriteString("null")
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return jsonPayload([]byte(b.String()))
}
