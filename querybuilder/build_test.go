package querybuilder

import (
	"errors"
	"testing"
)

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	body := func(r Request, b string) Request { r.Body = []byte(b); return r }
	tests := []struct {
		name   string
		req    Request
		status int
		code   string
		msg    string
	}{
		{"unknown table", req("GET", "nope", ""), 404, "PGRST205", "Could not find the table 'public.nope' in the schema cache"},
		{"unknown schema", with(req("GET", "posts", ""), func(r *Request) { r.Schema = "other" }), 404, "PGRST205",
			"Could not find the table 'other.posts' in the schema cache"},
		{"unknown select column", req("GET", "posts", "select=id,nope"), 400, "42703", "column posts.nope does not exist"},
		{"unknown filter column", req("GET", "posts", "nope=eq.1"), 400, "42703", "column posts.nope does not exist"},
		{"unknown logic column", req("GET", "posts", "or=(id.eq.1,nope.eq.2)"), 400, "42703", "column posts.nope does not exist"},
		{"unknown order column", req("GET", "posts", "order=nope"), 400, "42703", "column posts.nope does not exist"},
		{"parse error", req("GET", "posts", "id=eq"), 400, "PGRST100", ""},
		{"bad limit", req("GET", "posts", "limit=x"), 400, "PGRST100", ""},
		{"embed without relationship", req("GET", "posts", "select=id,users(*)"), 400, "PGRST200", ""},
		{"order on embed not selected", req("GET", "posts", "order=users(id)"), 400, "PGRST108", ""},
		{"aggregate", req("GET", "posts", "select=views.sum()"), 400, "PGRST123", ""},
		{"bad method", req("TRACE", "posts", ""), 405, "PGRST117", ""},
		{"strict invalid prefer", with(req("GET", "posts", ""), func(r *Request) {
			r.Prefer = ParsePrefer([]string{"handling=strict, nope=1"})
		}), 400, "PGRST122", ""},
		{"empty body", req("POST", "posts", ""), 400, "PGRST102", ""},
		{"bad json", body(req("POST", "posts", ""), `{"a":`), 400, "PGRST102", ""},
		{"json scalar", body(req("POST", "posts", ""), `42`), 400, "PGRST102", ""},
		{"array of scalars", body(req("POST", "posts", ""), `[1]`), 400, "PGRST102", ""},
		{"trailing data", body(req("POST", "posts", ""), `{} {}`), 400, "PGRST102", ""},
		{"unknown body key", body(req("POST", "posts", ""), `{"nope":1}`), 400, "PGRST204",
			"Could not find the 'nope' column of 'posts' in the schema cache"},
		{"unknown columns param", body(req("POST", "posts", "columns=title,nope"), `{"title":"x"}`), 400, "PGRST204", ""},
		{"unknown on_conflict", with(body(req("POST", "posts", "on_conflict=nope"), `{"title":"x"}`), func(r *Request) {
			r.Prefer.Resolution = "merge-duplicates"
		}), 400, "42703", ""},
		{"merge without key", with(body(req("POST", "post_titles", ""), `{"title":"x"}`), func(r *Request) {
			r.Prefer.Resolution = "merge-duplicates"
		}), 400, "42P10", ""},
		{"patch array", body(req("PATCH", "posts", "id=eq.1"), `[{"title":"a"},{"title":"b"}]`), 400, "PGRST102", ""},
		{"patch unknown key", body(req("PATCH", "posts", "id=eq.1"), `{"nope":1}`), 400, "PGRST204", ""},
		{"put without filters", body(req("PUT", "pairs", ""), `{"a":1,"b":"x"}`), 405, "PGRST105", ""},
		{"put partial key", body(req("PUT", "pairs", "a=eq.1"), `{"a":1,"b":"x"}`), 405, "PGRST105", ""},
		{"put extra filter", body(req("PUT", "pairs", "a=eq.1&b=eq.x&note=eq.n"), `{"a":1,"b":"x"}`), 405, "PGRST105", ""},
		{"put not eq", body(req("PUT", "pairs", "a=gt.1&b=eq.x"), `{"a":1,"b":"x"}`), 405, "PGRST105", ""},
		{"put logic", body(req("PUT", "pairs", "a=eq.1&b=eq.x&or=(a.eq.1)"), `{"a":1,"b":"x"}`), 405, "PGRST105", ""},
		{"put on view", body(req("PUT", "post_titles", "id=eq.1"), `{"id":1}`), 405, "PGRST105", ""},
		{"put limit", body(req("PUT", "pairs", "a=eq.1&b=eq.x&limit=1"), `{"a":1,"b":"x"}`), 400, "PGRST114", ""},
		{"put mismatch", body(req("PUT", "pairs", "a=eq.1&b=eq.x"), `{"a":2,"b":"x"}`), 400, "PGRST115", ""},
		{"put missing key in body", body(req("PUT", "pairs", "a=eq.1&b=eq.x"), `{"a":1}`), 400, "PGRST115", ""},
		{"put two rows", body(req("PUT", "pairs", "a=eq.1&b=eq.x"), `[{"a":1,"b":"x"},{"a":1,"b":"x"}]`), 400, "PGRST102", ""},
		{"bad csv", with(body(req("POST", "posts", ""), "a,\"b\n"), func(r *Request) { r.ContentType = "text/csv" }), 400, "PGRST102", ""},
	}
	cat := fixtureCatalog()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.req
			_, err := Build(cat, &r)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Build = %v, want *Error", err)
			}
			if e.Status != tt.status || e.Code != tt.code || (tt.msg != "" && e.Message != tt.msg) {
				t.Errorf("got %d %s %q, want %d %s %q", e.Status, e.Code, e.Message, tt.status, tt.code, tt.msg)
			}
		})
	}
}

func TestBuildPlanFlags(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	for _, c := range []struct {
		r        Request
		readOnly bool
		offset   int64
	}{
		{req("GET", "posts", "offset=4"), true, 4},
		{with(req("HEAD", "posts", "offset=1"), func(r *Request) { r.RangeOffset, r.RangeLimit = 3, 5 }), true, 3},
		{req("DELETE", "posts", "id=eq.1"), false, 0},
	} {
		r := c.r
		p, err := Build(cat, &r)
		if err != nil {
			t.Fatal(err)
		}
		if p.ReadOnly != c.readOnly || p.Offset != c.offset {
			t.Errorf("%s ?%s: ReadOnly %v Offset %d, want %v %d", r.Method, r.RawQuery, p.ReadOnly, p.Offset, c.readOnly, c.offset)
		}
	}
}

func TestPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit, offset, rOff, rLim, maxRows int64
		wantOff, wantLim                   int64
	}{
		{-1, -1, 0, -1, 0, 0, -1},
		{10, -1, 0, -1, 0, 0, 10},
		{10, 5, 0, -1, 0, 5, 10},
		{-1, -1, 2, 3, 0, 2, 3},
		{5, 1, 0, 3, 0, 1, 2},  // [1,5] ∩ [0,2]
		{-1, 4, 0, 3, 0, 4, 0}, // [4,∞) ∩ [0,2] is empty
		{50, -1, 0, -1, 10, 0, 10},
		{-1, -1, 0, -1, 10, 0, 10},
		{3, -1, 0, -1, 10, 0, 3},
		{0, -1, 0, -1, 0, 0, 0},
	}
	for _, tt := range tests {
		q := &Query{Limit: tt.limit, Offset: tt.offset}
		r := &Request{RangeOffset: tt.rOff, RangeLimit: tt.rLim, MaxRows: tt.maxRows}
		off, lim := page(q, r)
		if off != tt.wantOff || lim != tt.wantLim {
			t.Errorf("page(%+v) = %d, %d; want %d, %d", tt, off, lim, tt.wantOff, tt.wantLim)
		}
	}
}

// requestError fails t unless err is an *Error with status and code, and
// returns it.
func requestError(t *testing.T, err error, status int, code string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if e.Status != status || e.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", e.Status, e.Code, e, status, code)
	}
	return e
}
