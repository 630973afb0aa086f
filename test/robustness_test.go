package test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestRobustNames sends names and values a statement's text cannot hold:
// each is a 400, never a 5xx from a broken statement.
func TestRobustNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path   string
		status int
		code   string
	}{
		// A NUL or invalid UTF-8 in a name is a parse error.
		{"/pgrst_e1?select=%22x%00y%22:title", 400, "PGRST100"},
		{"/pgrst_e1?select=%22x%FFy%22:title", 400, "PGRST100"},
		{"/pgrst_e1?select=id,title->%22k%00%22", 400, "PGRST100"},
		{"/pgrst_e1?select=id,%22k%00%22:rb_kids(id)", 400, "PGRST100"},
		{"/pgrst_e1?%22ti%00tle%22=eq.one", 400, "PGRST100"},
		{"/pgrst_e1?order=%22ti%00tle%22", 400, "PGRST100"},
		// PostgreSQL refuses a NUL or invalid UTF-8 in a bound value with
		// SQLSTATE 22021.
		{"/pgrst_e1?title=eq.o%00ne", 400, "22021"},
		{"/pgrst_e1?title=in.(x,o%00ne)", 400, "22021"},
		{"/pgrst_e1?or=(title.eq.o%00ne,id.eq.1)", 400, "22021"},
		{"/pgrst_e1?title=eq.o%FFne", 400, "22021"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			expectError(t, call(t, http.MethodGet, tt.path, "", ""), tt.status, tt.code)
		})
	}

	t.Run("body", func(t *testing.T) {
		t.Parallel()
		tok := token(t, userA, nil)
		r := call(t, http.MethodPost, "/items", tok, `{"name":"a\u0000b"}`)
		expectError(t, r, 400, "22P05")
	})
}

// TestRobustSize sends a select of more entries than PostgreSQL allows in
// one SELECT list: it is refused before any SQL runs.
func TestRobustSize(t *testing.T) {
	t.Parallel()
	stars := strings.TrimSuffix(strings.Repeat("*,", 1665), ",")
	expectError(t, call(t, http.MethodGet, "/pgrst_e1?select="+stars, "", ""), 400, "PGRST100")

	// 800 stars of a two-column table parse, but expand to 1600+ columns.
	stars = strings.TrimSuffix(strings.Repeat("*,", 801), ",")
	expectError(t, call(t, http.MethodGet, "/pgrst_e1?select="+stars, "", ""), 400, "PGRST100")

	filters := strings.TrimSuffix(strings.Repeat("id=gt.0&", 1001), "&")
	expectError(t, call(t, http.MethodGet, "/pgrst_e1?"+filters, "", ""), 400, "PGRST100")

	// Right at the bound, the read runs.
	stars = strings.TrimSuffix(strings.Repeat("*,", 800), ",")
	if r := call(t, http.MethodGet, "/pgrst_e1?id=eq.1&select="+stars, "", ""); r.Status != http.StatusOK {
		t.Fatalf("800 stars: %d %s", r.Status, r.Body)
	}
}

// TestRobustLongAliases checks that aliases longer than PostgreSQL's
// 63-byte identifiers come back exact, also when two share their first 63
// bytes, at the top and in an embed.
func TestRobustLongAliases(t *testing.T) {
	t.Parallel()
	a := strings.Repeat("n", 63) + "_first"
	b := strings.Repeat("n", 63) + "_second"
	path := "/pgrst_e1?id=eq.1&select=" + a + ":id," + b + ":title,kids:rb_kids(" + a + ":id)&kids.order=id"
	r := call(t, http.MethodGet, path, "", "")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d %s", r.Status, r.Body)
	}
	var rows []map[string]any
	r.JSON(t, &rows)
	want := map[string]any{a: 1.0, b: "one", "kids": []any{map[string]any{a: 10.0}, map[string]any{a: 11.0}}}
	if len(rows) != 1 || !jsonEqual(rows[0], want) {
		t.Errorf("body %s", r.Body)
	}
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestRobustAliasTables embeds through tables named like the aliases of
// generated SQL: pgrst_e1, the alias its own child gets, and pgrst_root,
// the alias a read's relation gets.
func TestRobustAliasTables(t *testing.T) {
	t.Parallel()
	tests := []struct{ path, want string }{
		{"/pgrst_e1?select=id,rb_kids(id)&order=id&rb_kids.order=id",
			`[{"id":1,"rb_kids":[{"id":10},{"id":11}]},{"id":2,"rb_kids":[{"id":20}]}]`},
		{"/pgrst_e1?select=id,rb_kids!inner(id)&rb_kids.id=eq.20",
			`[{"id":2,"rb_kids":[{"id":20}]}]`},
		{"/rb_kids?select=id,pgrst_e1(title),pgrst_root(id)&order=id",
			`[{"id":10,"pgrst_e1":{"title":"one"},"pgrst_root":[{"id":100}]},` +
				`{"id":11,"pgrst_e1":{"title":"one"},"pgrst_root":[]},` +
				`{"id":20,"pgrst_e1":{"title":"two"},"pgrst_root":[{"id":200}]}]`},
		{"/pgrst_root?select=id,rb_kids(id,pgrst_e1(title))&order=id",
			`[{"id":100,"rb_kids":{"id":10,"pgrst_e1":{"title":"one"}}},` +
				`{"id":200,"rb_kids":{"id":20,"pgrst_e1":{"title":"two"}}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			r := call(t, http.MethodGet, tt.path, "", "")
			if r.Status != http.StatusOK {
				t.Fatalf("status %d %s", r.Status, r.Body)
			}
			var got, want any
			r.JSON(t, &got)
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(got, want) {
				t.Errorf("body %s\nwant %s", r.Body, tt.want)
			}
		})
	}
}

// TestRobustOpenAPIColumns checks that the OpenAPI document lists only the
// columns the role holds a privilege on: anon may read two columns of
// rb_colpriv, authenticated all three.
func TestRobustOpenAPIColumns(t *testing.T) {
	t.Parallel()
	columns := func(doc *openAPIDoc) []string {
		var names []string
		for name := range doc.Definitions["rb_colpriv"].Properties {
			names = append(names, name)
		}
		slices.Sort(names)
		return names
	}
	filters := func(doc *openAPIDoc) []string {
		var names []string
		for _, p := range doc.Paths["/rb_colpriv"]["get"].Parameters {
			if after, ok := strings.CutPrefix(p.Ref, "#/parameters/rowFilter.rb_colpriv."); ok {
				names = append(names, after)
			}
		}
		slices.Sort(names)
		return names
	}

	anon := fetchOpenAPI(t, env.gw.base, "")
	if got := columns(anon); !slices.Equal(got, []string{"id", "visible"}) {
		t.Errorf("anon's rb_colpriv columns %v, want [id visible]", got)
	}
	if got := filters(anon); !slices.Equal(got, []string{"id", "visible"}) {
		t.Errorf("anon's rb_colpriv filters %v, want [id visible]", got)
	}
	member := fetchOpenAPI(t, env.gw.base, token(t, userA, nil))
	if got := columns(member); !slices.Equal(got, []string{"id", "secretcol", "visible"}) {
		t.Errorf("authenticated's rb_colpriv columns %v, want all three", got)
	}

	// What the document shows is what anon may read.
	if r := call(t, http.MethodGet, "/rb_colpriv?select=id,visible", "", ""); r.Status != http.StatusOK {
		t.Errorf("anon reads the listed columns: %d %s", r.Status, r.Body)
	}
	expectError(t, call(t, http.MethodGet, "/rb_colpriv?select=secretcol", "", ""), 401, "42501")
}
