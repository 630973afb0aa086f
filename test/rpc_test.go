package test

import (
	"net/http"
	"strings"
	"testing"
)

// sharedGateway starts a gateway on the shared database with the shared
// JWKS and audience, changed by settings, and stops it when t ends.
func sharedGateway(t *testing.T, settings map[string]string) *gatewayProc {
	t.Helper()
	all := map[string]string{
		"PGRST_DB_URI":             env.apiURI,
		"PGRST_DB_ANON_ROLE":       "anon",
		"PGRST_JWT_AUD":            audience,
		"ROWGATE_JWT_JWKS_URL":     env.jwks.URL,
		"ROWGATE_JWT_DEFAULT_ROLE": "authenticated",
	}
	for k, v := range settings {
		all[k] = v
	}
	g, err := startGateway(all)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)
	return g
}

func TestRPCCalls(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status       int
		want         string // JSON compared by value; "" expects no body
	}{
		{"post scalar", "POST", "/rpc/rpc_add", `{"a":1,"b":2}`, nil, 200, `3`},
		{"get scalar with default", "GET", "/rpc/rpc_add?a=1", "", nil, 200, `11`},
		{"overload chosen by names", "GET", "/rpc/rpc_over?a=1&b=2", "", nil, 200, `"two"`},
		{"table result with select, filter, order, limit", "GET",
			"/rpc/rpc_series?n=5&x=gt.2&select=sq&order=x.desc&limit=2", "", nil, 200, `[{"sq":25},{"sq":16}]`},
		{"post table result", "POST", "/rpc/rpc_series?select=x", `{"n":2}`, nil, 200, `[{"x":1},{"x":2}]`},
		{"setof scalar", "GET", "/rpc/rpc_ints?n=3", "", nil, 200, `[1,2,3]`},
		{"out arguments", "GET", "/rpc/rpc_pair?a=2", "", nil, 200, `{"doubled":4,"label":"n2"}`},
		{"singular set", "GET", "/rpc/rpc_series?n=1", "",
			[]string{"Accept: application/vnd.pgrst.object+json"}, 200, `{"x":1,"sq":1}`},
		{"variadic from repeated parameters", "GET", "/rpc/rpc_count?v=a&v=b&v=c", "", nil, 200, `3`},
		{"variadic from an array", "POST", "/rpc/rpc_count", `{"v":["a","b"]}`, nil, 200, `2`},
		{"json body", "POST", "/rpc/rpc_echo", `[1,{"a":2}]`, nil, 200, `[1,{"a":2}]`},
		{"text body", "POST", "/rpc/rpc_upper", "abc", []string{"Content-Type: text/plain"}, 200, `"ABC"`},
		{"bytea body", "POST", "/rpc/rpc_size", "\x00\x01\x02", []string{"Content-Type: application/octet-stream"},
			200, `3`},
		{"single object", "POST", "/rpc/rpc_echo", `{"a":1}`, []string{"Prefer: params=single-object"},
			200, `{"a":1}`},
		{"void", "POST", "/rpc/rpc_noop", "", nil, 204, ""},
		{"head", "HEAD", "/rpc/rpc_series?n=2", "", nil, 200, ""},
		{"volatile on post", "POST", "/rpc/rpc_write", `{"msg":"x"}`, nil, 200, `1`},
		{"response status and headers", "POST", "/rpc/rpc_status", "", nil, 202, `"accepted"`},
		{"max-affected within the limit", "GET", "/rpc/rpc_series?n=3", "",
			[]string{"Prefer: handling=strict, max-affected=3"}, 200, `[{"x":1,"sq":1},{"x":2,"sq":4},{"x":3,"sq":9}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, c.method, c.path, "", c.body, c.headers...)
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
			if c.want == "" {
				if len(r.Body) != 0 {
					t.Fatalf("body %q, want none", r.Body)
				}
				return
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/") {
				t.Errorf("Content-Type %q", ct)
			}
			expectBody(t, r, c.want)
		})
	}

	// Headers of the last two cases.
	r := call(t, "POST", "/rpc/rpc_status", "", "")
	if r.Header.Get("X-Custom") != "yes" {
		t.Errorf("response.headers not applied: %v", r.Header)
	}
	r = call(t, "POST", "/rpc/rpc_noop", "", "")
	if r.Header.Get("Content-Type") != "" {
		t.Errorf("204 with Content-Type %q", r.Header.Get("Content-Type"))
	}
}

func TestRPCRangeAndCount(t *testing.T) {
	t.Parallel()
	r := call(t, "GET", "/rpc/rpc_series?n=5&select=x", "", "", "Range: 1-2", "Prefer: count=exact")
	expect(t, r, http.StatusPartialContent, "Content-Range: 1-2/5", "Preference-Applied: count=exact")
	expectBody(t, r, `[{"x":2},{"x":3}]`)

	r = call(t, "POST", "/rpc/rpc_series", "", `{"n":2}`)
	expect(t, r, http.StatusOK, "Content-Range: 0-1/*")

	// A CORS preflight of a call.
	r = call(t, "OPTIONS", "/rpc/rpc_series", "", "", "Origin: http://app.example",
		"Access-Control-Request-Method: POST")
	expect(t, r, http.StatusOK, "Access-Control-Allow-Origin: http://app.example")
}

func TestRPCErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status       int
		code         string
	}{
		{"unknown function", "GET", "/rpc/rpc_nope", "", nil, 404, "PGRST202"},
		{"unknown argument", "POST", "/rpc/rpc_add", `{"a":1,"c":2}`, nil, 404, "PGRST202"},
		{"ambiguous overload", "POST", "/rpc/rpc_over", `{"a":1}`, nil, 300, "PGRST203"},
		{"patch", "PATCH", "/rpc/rpc_add", `{"a":1}`, nil, 405, "PGRST101"},
		{"put", "PUT", "/rpc/rpc_add", `{"a":1}`, nil, 405, "PGRST101"},
		{"delete", "DELETE", "/rpc/rpc_add", "", nil, 405, "PGRST101"},
		{"volatile write on GET", "GET", "/rpc/rpc_write?msg=x", "", nil, 405, "25006"},
		{"bad json", "POST", "/rpc/rpc_add", `{"a":`, nil, 400, "PGRST102"},
		{"bad argument value", "POST", "/rpc/rpc_add", `{"a":"x"}`, nil, 400, "22P02"},
		{"singular of two rows", "GET", "/rpc/rpc_series?n=2", "",
			[]string{"Accept: application/vnd.pgrst.object+json"}, 406, "PGRST116"},
		{"unknown schema", "GET", "/rpc/rpc_add?a=1", "", []string{"Accept-Profile: nowhere"}, 406, "PGRST106"},
		{"unknown schema on post", "POST", "/rpc/rpc_add", `{"a":1}`, []string{"Content-Profile: nowhere"},
			406, "PGRST106"},
		{"max-affected on a scalar", "POST", "/rpc/rpc_add", `{"a":1}`,
			[]string{"Prefer: handling=strict, max-affected=1"}, 400, "PGRST128"},
		{"max-affected exceeded", "GET", "/rpc/rpc_series?n=5", "",
			[]string{"Prefer: handling=strict, max-affected=2"}, 400, "PGRST124"},
		{"no execute privilege", "GET", "/rpc/rpc_private", "", nil, 401, "42501"},
		{"raise exception", "POST", "/rpc/rpc_fail", "", nil, 400, "P0001"},
		{"raise PT", "POST", "/rpc/rpc_fail_pt", "", nil, 402, "PT402"},
		{"raise PGRST", "POST", "/rpc/rpc_fail_custom", "", nil, 418, "123"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			expectError(t, call(t, c.method, c.path, "", c.body, c.headers...), c.status, c.code)
		})
	}

	// The near name is suggested.
	obj := expectError(t, call(t, "GET", "/rpc/rpc_ad?a=1", "", ""), 404, "PGRST202")
	if hint, _ := obj["hint"].(string); !strings.Contains(hint, "public.rpc_add") {
		t.Errorf("hint %q does not suggest rpc_add", hint)
	}

	// RAISE carries message, detail and hint.
	obj = expectError(t, call(t, "POST", "/rpc/rpc_fail", "", ""), 400, "P0001")
	if obj["message"] != "boom" || obj["details"] != "the detail" || obj["hint"] != "the hint" {
		t.Errorf("RAISE error %v", obj)
	}
	r := call(t, "POST", "/rpc/rpc_fail_custom", "", "")
	obj = expectError(t, r, 418, "123")
	if obj["message"] != "m" || obj["details"] != "dd" || obj["hint"] != "hh" || r.Header.Get("X-A") != "b" {
		t.Errorf("PGRST raise: %v, X-A %q", obj, r.Header.Get("X-A"))
	}
	obj = expectError(t, call(t, "POST", "/rpc/rpc_fail_pt", "", ""), 402, "PT402")
	if obj["message"] != "pay first" {
		t.Errorf("PT raise: %v", obj)
	}
}

// TestRPCIdentity checks that functions run as the caller, with the
// caller's claims, and under row-level security.
func TestRPCIdentity(t *testing.T) {
	t.Parallel()
	alice, bob := token(t, userA, nil), token(t, userB, nil)

	r := call(t, "POST", "/rpc/rpc_whoami", alice, "")
	expectBody(t, r, `{"uid":"`+userA+`","role":"authenticated","method":"POST"}`)
	r = call(t, "GET", "/rpc/rpc_whoami", "", "")
	expectBody(t, r, `{"uid":null,"role":"anon","method":"GET"}`)

	// Execute privilege follows the role, also right after a permitted
	// call: rpc_private is a SQL function PostgreSQL inlines, and a plan
	// cached for alice must not serve the anonymous caller.
	r = call(t, "GET", "/rpc/rpc_private", alice, "")
	expect(t, r, http.StatusOK)
	expectBody(t, r, `42`)
	expectError(t, call(t, "GET", "/rpc/rpc_private", "", ""), 401, "42501")

	// A function reading a table sees only the caller's rows.
	r = call(t, "POST", "/rpc/rpc_add_note", alice, `{"body":"alice's secret"}`)
	expect(t, r, http.StatusOK)
	var added []map[string]any
	r.JSON(t, &added)
	if len(added) != 1 || added[0]["owner"] != userA {
		t.Fatalf("added %s", r.Body)
	}
	_ = call(t, "POST", "/rpc/rpc_add_note", bob, `{"body":"bob's note"}`)
	for _, who := range []struct{ tok, mine, other string }{
		{alice, "alice's secret", "bob's note"},
		{bob, "bob's note", "alice's secret"},
	} {
		r = call(t, "GET", "/rpc/rpc_my_notes?select=body,owner", who.tok, "")
		expect(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), who.mine) || strings.Contains(string(r.Body), who.other) {
			t.Errorf("notes seen: %s", r.Body)
		}
	}
	expectError(t, call(t, "POST", "/rpc/rpc_add_note", "", `{"body":"anon"}`), 401, "42501")
}

// TestRPCSchemas calls functions of two exposed schemas.
func TestRPCSchemas(t *testing.T) {
	t.Parallel()
	g := sharedGateway(t, map[string]string{"PGRST_DB_SCHEMAS": "public, rpc_extra"})

	r := g.at(t, "GET", "/rpc/where_am_i", "", "")
	expect(t, r, http.StatusOK, "Content-Profile:")
	expectBody(t, r, `"public"`)
	r = g.at(t, "GET", "/rpc/where_am_i", "", "", "Accept-Profile: rpc_extra")
	expect(t, r, http.StatusOK, "Content-Profile: rpc_extra")
	expectBody(t, r, `"extra"`)
	r = g.at(t, "POST", "/rpc/where_am_i", "", "", "Content-Profile: rpc_extra")
	expect(t, r, http.StatusOK, "Content-Profile: rpc_extra")
	expectBody(t, r, `"extra"`)
	r = g.at(t, "GET", "/gadgets?select=name", "", "", "Accept-Profile: rpc_extra")
	expect(t, r, http.StatusOK)
	expectBody(t, r, `[{"name":"lever"}]`)

	// A schema that is not exposed, and a function of the other schema.
	obj := expectError(t, g.at(t, "GET", "/rpc/where_am_i", "", "", "Accept-Profile: secret"), 406, "PGRST106")
	if hint, _ := obj["hint"].(string); !strings.Contains(hint, "public, rpc_extra") {
		t.Errorf("hint %q", hint)
	}
	expectError(t, g.at(t, "GET", "/rpc/rpc_add?a=1", "", "", "Accept-Profile: rpc_extra"), 404, "PGRST202")
}

// TestRPCEmbed embeds related rows in the result of functions that return
// rows of a table, through that table's relationships, under the same
// row-level security as a read of the table.
func TestRPCEmbed(t *testing.T) {
	t.Parallel()
	alice, bob := token(t, userA, nil), token(t, userB, nil)
	cases := []struct {
		name, method, path, tok, body, want string
	}{
		{"to-one and many-to-many", "GET",
			"/rpc/em_posts_by?author=1&select=id,author:em_authors!author_id(name),em_tags(label)" +
				"&order=id&em_tags.order=label", "", "",
			`[{"id":1,"author":{"name":"ann"},"em_tags":[{"label":"go"},{"label":"sql"}]},
			  {"id":3,"author":{"name":"ann"},"em_tags":[{"label":"sql"}]}]`},
		{"policies hold in the embed (alice)", "GET",
			"/rpc/em_posts_by?author=1&select=id,em_comments(body)&order=id", alice, "",
			`[{"id":1,"em_comments":[{"body":"a on first"}]},{"id":3,"em_comments":[]}]`},
		{"policies hold in the embed (bob)", "POST",
			"/rpc/em_posts_by?select=id,em_comments(body)&order=id", bob, `{"author":1}`,
			`[{"id":1,"em_comments":[{"body":"b on first"}]},{"id":3,"em_comments":[]}]`},
		{"embedded count", "GET", "/rpc/em_posts_by?author=2&select=id,em_comments(count)", bob, "",
			`[{"id":2,"em_comments":[{"count":1}]}]`},
		{"rows under a policy embed their parent", "POST",
			"/rpc/em_my_comments?select=body,em_posts(title)&order=id", bob, "",
			`[{"body":"b on first","em_posts":{"title":"first"}},{"body":"b on second","em_posts":{"title":"second"}}]`},
		{"inner embed filters the rows", "GET",
			"/rpc/em_posts_by?author=1&select=id,em_tags!inner(label)&em_tags.label=eq.go", "", "",
			`[{"id":1,"em_tags":[{"label":"go"}]}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			expectJSON(t, call(t, c.method, c.path, c.tok, c.body), http.StatusOK, c.want)
		})
	}

	// The anonymous role may not read comments, embedded or not; a
	// function whose result is no table's has nothing to embed.
	expectError(t, call(t, "GET", "/rpc/em_posts_by?author=1&select=id,em_comments(body)", "", ""),
		http.StatusUnauthorized, "42501")
	expectError(t, call(t, "GET", "/rpc/rpc_series?n=2&select=x,em_posts(id)", "", ""),
		http.StatusBadRequest, "PGRST200")
}
