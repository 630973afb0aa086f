package querybuilder

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// wantPGRST100 checks that err is a 400 PGRST100 whose details hold
// detail.
func wantPGRST100(t *testing.T, err error, detail string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want *Error", err)
	}
	if e.Status != 400 || e.Code != "PGRST100" {
		t.Fatalf("got %d %s %q, want 400 PGRST100", e.Status, e.Code, e.Message)
	}
	if !strings.Contains(e.Details, detail) {
		t.Errorf("details %q, want it to contain %q", e.Details, detail)
	}
}

// TestNamesWithoutNUL checks that a NUL or invalid UTF-8 in any name of the
// query string (output names, JSON keys, embed aliases and hints, filter,
// order, logic and columns names) is a parse error: such a name would
// otherwise reach the statement's text.
func TestNamesWithoutNUL(t *testing.T) {
	t.Parallel()
	const detail = "NUL character or invalid UTF-8"
	for _, raw := range []string{
		"select=%22x%00y%22:title",
		"select=%22x%FFy%22:title",
		"select=data->%22k%00%22",
		"select=data->>%22k%C3%22",
		"select=id,%22a%00%22:comments(id)",
		"select=id,comments!%22h%00%22(id)",
		`select=%22k\%00%22:id`,
		"%22a%00%22=eq.1",
		"data->%22a%00%22=eq.1",
		"order=%22a%00%22.desc",
		"or=(%22a%00%22.eq.1,id.eq.2)",
		"columns=%22a%00%22",
		"on_conflict=%22a%FE%22",
	} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			_, err := ParseQuery(raw)
			wantPGRST100(t, err, detail)
		})
	}

	// Other characters stay allowed, quoted or not.
	for _, raw := range []string{
		"select=%22x%E2%82%ACy%22:title,%C3%A9t%C3%A9:id",
		"select=%22a%01b%22:title",
	} {
		if _, err := ParseQuery(raw); err != nil {
			t.Errorf("ParseQuery(%q): %v", raw, err)
		}
	}
}

// repeat joins n copies of s with sep.
func repeat(s, sep string, n int) string {
	return strings.TrimSuffix(strings.Repeat(s+sep, n), sep)
}

// TestSizeBounds checks each bound on the size of a query: just past it
// the query is refused with PGRST100, at it the query parses.
func TestSizeBounds(t *testing.T) {
	t.Parallel()
	deepPath := "data" + strings.Repeat("->a", 16)
	tests := []struct {
		name       string
		ok, tooBig string
		detail     string
	}{
		{"select items", "select=" + repeat("id", ",", 1000), "select=" + repeat("id", ",", 1001),
			"more than 1000 items"},
		{"stars", "select=" + repeat("*", ",", 1000), "select=" + repeat("*", ",", 1665),
			"more than 1000 items"},
		{"embedded items", "select=id,c(" + repeat("id", ",", 998) + ")",
			"select=id,c(" + repeat("id", ",", 999) + ")", "more than 1000 items"},
		{"filters", repeat("id=eq.1", "&", 1000), repeat("id=eq.1", "&", 1001), "at most 1000"},
		{"logic nodes", "or=(" + repeat("id.eq.1", ",", 999) + ")", "or=(" + repeat("id.eq.1", ",", 1000) + ")",
			"at most 1000"},
		{"logic nodes in one tree", "or=(" + repeat("id.eq.1", ",", 999) + ")",
			"or=(" + repeat("id.eq.1", ",", 1001) + ")", "more than 1000 items"},
		{"embedded filters", repeat("c.id=eq.1", "&", 500) + "&" + repeat("id=eq.1", "&", 500),
			repeat("c.id=eq.1", "&", 501) + "&" + repeat("id=eq.1", "&", 500), "at most 1000"},
		{"order terms", "order=" + repeat("id", ",", 50), "order=" + repeat("id", ",", 51), "more than 50 items"},
		{"order terms of embeds", "order=" + repeat("id", ",", 25) + "&c.order=" + repeat("id", ",", 25),
			"order=" + repeat("id", ",", 25) + "&c.order=" + repeat("id", ",", 26), "at most 50"},
		{"parameters", repeat("a=b", "&", 2000), repeat("a=b", "&", 2001), "at most 2000"},
		{"JSON path", "select=" + deepPath, "select=" + deepPath + "->a", "at most 16 steps"},
		{"embed nesting", "select=" + strings.Repeat("c(", 32) + "id" + strings.Repeat(")", 32),
			"select=" + strings.Repeat("c(", 33) + "id" + strings.Repeat(")", 33), "deeper than 32"},
		{"logic nesting", "or=" + strings.Repeat("(or", 32) + "(id.eq.1" + strings.Repeat(")", 33),
			"or=" + strings.Repeat("(or", 33) + "(id.eq.1" + strings.Repeat(")", 34), "deeper than 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ParseQuery(tt.ok); err != nil {
				t.Fatalf("at the bound: %v", err)
			}
			_, err := ParseQuery(tt.tooBig)
			wantPGRST100(t, err, tt.detail)
		})
	}
}

// TestSizeBoundsOfStatements checks the bounds Build applies to what a
// query expands to: the columns of one relation once every * expands,
// and the values bound to the statement.
func TestSizeBoundsOfStatements(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog() // posts has 14 columns

	// 114 stars are 1596 columns, 115 are 1610.
	r := req("GET", "posts", "select="+repeat("*", ",", 114))
	if _, err := Build(cat, &r); err != nil {
		t.Fatalf("114 stars: %v", err)
	}
	for _, q := range []string{
		"select=" + repeat("*", ",", 115),
		"select=" + repeat("*", ",", 1000),
		"select=" + repeat("*", ",", 114) + ",id,id,id,id,id",
	} {
		r := req("GET", "posts", q)
		_, err := Build(cat, &r)
		wantPGRST100(t, err, "more than 1600 columns")
	}

	// 999 filters of 17 values each, repeated by an estimated count in the
	// page, the exact count and twice in the bounded count.
	filter := url.QueryEscape("data"+strings.Repeat("->a", 16)) + "=eq.1"
	r = with(req("GET", "posts", repeat(filter, "&", 999)), func(r *Request) {
		r.Prefer.Count = "estimated"
		r.MaxRows = 10
	})
	_, err := Build(cat, &r)
	wantPGRST100(t, err, "at most 65535 are allowed")
	r.Prefer.Count = ""
	if _, err := Build(cat, &r); err != nil {
		t.Errorf("without the count: %v", err)
	}
}
