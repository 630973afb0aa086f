package test

import (
	"fmt"
	"net/http"
	"testing"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	alice := token(t, userA, nil)
	insertAs(t, userA, "err-dup", false)
	_ = call(t, http.MethodPatch, "/items?name=eq.err-dup", alice, `{"code":"err-dup-code"}`)

	cases := []struct {
		name         string
		method, path string
		body         string
		status       int
		code         string
	}{
		{"unknown table", "GET", "/nope", "", 404, "PGRST205"},
		{"unknown column", "GET", "/items?select=nope", "", 400, "42703"},
		{"unknown filter column", "GET", "/items?nope=eq.1", "", 400, "42703"},
		{"unknown operator", "GET", "/items?id=not.foo.1", "", 400, "PGRST100"},
		{"malformed order", "GET", "/items?order=id.sideways", "", 400, "PGRST100"},
		{"bad limit", "GET", "/items?limit=ten", "", 400, "PGRST100"},
		{"bad json", "POST", "/items", `{"name":`, 400, "PGRST102"},
		{"invalid integer", "GET", "/items?id=eq.abc", "", 400, "22P02"},
		{"not null", "POST", "/items", `{"public":true}`, 400, "23502"},
		{"unique violation", "POST", "/items", `{"name":"x","code":"err-dup-code"}`, 409, "23505"},
		{"foreign key violation", "POST", "/items", `{"name":"x","category_id":999}`, 409, "23503"},
		{"unknown path", "GET", "/a/b/c", "", 404, "PGRST125"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectError(t, call(t, c.method, c.path, alice, c.body), c.status, c.code)
		})
	}
}

func TestNotAcceptable(t *testing.T) {
	t.Parallel()
	r := call(t, http.MethodGet, "/items", "", "", "Accept: image/png")
	expectError(t, r, http.StatusNotAcceptable, "PGRST107")
	r = call(t, http.MethodGet, "/items", "", "", "Accept-Profile: secret")
	expectError(t, r, http.StatusNotAcceptable, "PGRST106")
}

func TestReadShape(t *testing.T) {
	t.Parallel()
	alice := token(t, userA, nil)
	for i := 0; i < 3; i++ {
		insertAs(t, userA, fmt.Sprintf("shape-%d", i), false)
	}
	r := call(t, http.MethodGet, "/items?select=n:name&name=like.shape-*&order=name.desc&limit=2", alice, "",
		"Prefer: count=exact")
	if r.Status != http.StatusPartialContent {
		t.Fatalf("status %d %s", r.Status, r.Body)
	}
	var rows []map[string]string
	r.JSON(t, &rows)
	if fmt.Sprint(rows) != "[map[n:shape-2] map[n:shape-1]]" {
		t.Fatalf("body %s", r.Body)
	}
	if cr := r.Header.Get("Content-Range"); cr != "0-1/3" {
		t.Fatalf("Content-Range %q", cr)
	}

	// A single object on request; more than one row is refused.
	r = call(t, http.MethodGet, "/items?select=name&name=eq.shape-0", alice, "",
		"Accept: application/vnd.pgrst.object+json")
	if r.Status != http.StatusOK || string(r.Body) != `{"name":"shape-0"}` {
		t.Fatalf("object: %d %s", r.Status, r.Body)
	}
	r = call(t, http.MethodGet, "/items?name=like.shape-*", alice, "",
		"Accept: application/vnd.pgrst.object+json")
	expectError(t, r, http.StatusNotAcceptable, "PGRST116")
}
