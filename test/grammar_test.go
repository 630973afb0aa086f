package test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// grammarSettings configure the gateways of the grammar and client tests:
// db-max-rows 100 (gc_big holds 120 rows), aggregates on, and Prefer: tx
// allowed to override the commit.
func grammarSettings() map[string]string {
	return map[string]string{
		"PGRST_DB_URI":                env.apiURI,
		"PGRST_DB_ANON_ROLE":          "anon",
		"PGRST_DB_POOL":               "4",
		"PGRST_DB_MAX_ROWS":           "100",
		"PGRST_DB_AGGREGATES_ENABLED": "true",
		"PGRST_DB_TX_END":             "commit-allow-override",
		"PGRST_JWT_AUD":               audience,
		"ROWGATE_JWT_JWKS_URL":        env.jwks.URL,
		"ROWGATE_JWT_DEFAULT_ROLE":    "authenticated",
	}
}

// startOwnGateway starts a gateway with the grammar settings for one test
// and stops it when the test ends.
func startOwnGateway(t *testing.T) *gatewayProc {
	t.Helper()
	g, err := startGateway(grammarSettings())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.stop)
	return g
}

// at sends one request to gateway g, like call does to the shared one.
func (g *gatewayProc) at(t testing.TB, method, path, tok, body string, headers ...string) *reply {
	t.Helper()
	r, err := doCall(method, g.base+path, tok, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// expect checks a reply's status and the listed headers ("Name: value";
// an empty value expects the header to be absent).
func expect(t *testing.T, r *reply, status int, headers ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		if got := r.Header.Get(k); got != strings.TrimSpace(v) {
			t.Fatalf("%s = %q, want %q (status %d, body %s)", k, got, strings.TrimSpace(v), r.Status, r.Body)
		}
	}
}

// expectBody compares a JSON body with want by value.
func expectBody(t *testing.T, r *reply, want string) {
	t.Helper()
	var got, exp any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("want %q: %v", want, err)
	}
	if fmt.Sprint(got) != fmt.Sprint(exp) {
		t.Fatalf("body %s, want %s", r.Body, want)
	}
}

func TestGrammarReads(t *testing.T) {
	t.Parallel()
	g := startOwnGateway(t)
	films := "/gc_films?select=id&order=id"

	t.Run("content range without count", func(t *testing.T) {
		r := g.at(t, "GET", films, "", "")
		expect(t, r, 200, "Content-Range: 0-9/*", "Content-Type: application/json; charset=utf-8")
	})
	t.Run("partial with exact count", func(t *testing.T) {
		r := g.at(t, "GET", films+"&limit=3&offset=2", "", "", "Prefer: count=exact")
		expect(t, r, 206, "Content-Range: 2-4/10", "Preference-Applied: count=exact")
		expectBody(t, r, `[{"id":3},{"id":4},{"id":5}]`)
	})
	t.Run("whole result with count", func(t *testing.T) {
		expect(t, g.at(t, "GET", films, "", "", "Prefer: count=exact"), 200, "Content-Range: 0-9/10")
	})
	t.Run("empty result with count", func(t *testing.T) {
		expect(t, g.at(t, "GET", films+"&id=gt.100", "", "", "Prefer: count=exact"), 200, "Content-Range: */0")
	})
	t.Run("offset beyond total", func(t *testing.T) {
		r := g.at(t, "GET", films+"&offset=20", "", "", "Prefer: count=exact")
		expect(t, r, 416, "Content-Range: */10")
		expectError(t, r, 416, "PGRST103")
	})
	t.Run("offset beyond results without count", func(t *testing.T) {
		r := g.at(t, "GET", films+"&offset=20", "", "")
		expect(t, r, 200, "Content-Range: */*")
		expectBody(t, r, `[]`)
	})
	t.Run("range header", func(t *testing.T) {
		r := g.at(t, "GET", films, "", "", "Range-Unit: items", "Range: 1-2", "Prefer: count=exact")
		expect(t, r, 206, "Content-Range: 1-2/10")
		expectBody(t, r, `[{"id":2},{"id":3}]`)
	})
	t.Run("open range header", func(t *testing.T) {
		expect(t, g.at(t, "GET", films, "", "", "Range: 8-"), 200, "Content-Range: 8-9/*")
	})
	t.Run("unsatisfiable range header", func(t *testing.T) {
		expectError(t, g.at(t, "GET", films, "", "", "Range: 5-2"), 416, "PGRST103")
	})
	t.Run("head", func(t *testing.T) {
		r := g.at(t, "HEAD", films+"&limit=2", "", "", "Prefer: count=exact")
		expect(t, r, 206, "Content-Range: 0-1/10", "Content-Type: application/json; charset=utf-8")
		if len(r.Body) != 0 {
			t.Fatalf("HEAD body %q", r.Body)
		}
	})
	t.Run("max rows caps", func(t *testing.T) {
		r := g.at(t, "GET", "/gc_big?select=id", "", "")
		expect(t, r, 200, "Content-Range: 0-99/*")
		var rows []any
		r.JSON(t, &rows)
		if len(rows) != 100 {
			t.Fatalf("%d rows", len(rows))
		}
		expect(t, g.at(t, "GET", "/gc_big?select=id&limit=500", "", ""), 200, "Content-Range: 0-99/*")
	})
	t.Run("counts", func(t *testing.T) {
		for _, c := range []struct{ query, prefer, want string }{
			{"", "count=exact", "0-99/120"},
			{"", "count=planned", "0-99/150"},
			{"", "count=estimated", "0-99/150"},
			{"&id=lte.50", "count=estimated", "0-49/50"},
			{"&id=lte.50", "count=planned", "0-49/50"},
		} {
			r := g.at(t, "GET", "/gc_big?select=id"+c.query, "", "", "Prefer: "+c.prefer)
			if got := r.Header.Get("Content-Range"); got != c.want {
				t.Errorf("%s%s: Content-Range %q, want %q", c.prefer, c.query, got, c.want)
			}
		}
	})
	t.Run("single object", func(t *testing.T) {
		obj := "Accept: application/vnd.pgrst.object+json"
		r := g.at(t, "GET", "/gc_films?select=id,title&id=eq.3", "", "", obj)
		expect(t, r, 200, "Content-Type: application/vnd.pgrst.object+json; charset=utf-8")
		expectBody(t, r, `{"id":3,"title":"Casablanca"}`)
		expectError(t, g.at(t, "GET", "/gc_films?genre=eq.scifi", "", "", obj), 406, "PGRST116")
		expectError(t, g.at(t, "GET", "/gc_films?id=eq.99", "", "", obj), 406, "PGRST116")
	})
	t.Run("nulls stripped", func(t *testing.T) {
		r := g.at(t, "GET", "/gc_films?select=id,genre,meta&id=in.(5,7)&order=id", "", "",
			"Accept: application/vnd.pgrst.array+json;nulls=stripped")
		expect(t, r, 200)
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/vnd.pgrst.array+json") {
			t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		expectBody(t, r, `[{"id":5,"genre":"horror"},{"id":7,"meta":{"director":{"name":"Cuaron"},"awards":7,"langs":["en"]}}]`)
	})
	t.Run("csv", func(t *testing.T) {
		r := g.at(t, "GET", "/gc_films?select=id,title,tags&id=in.(5,6)&order=id", "", "", "Accept: text/csv")
		expect(t, r, 200, "Content-Type: text/csv; charset=utf-8")
		want := "id,title,tags\n5,Eraserhead,{}\n6,\"Fargo, \"\"the (film)\"\"\",\"{snow,crime}\""
		if string(r.Body) != want {
			t.Fatalf("csv %q, want %q", r.Body, want)
		}
	})
	t.Run("unsupported accept", func(t *testing.T) {
		expectError(t, g.at(t, "GET", films, "", "", "Accept: application/xml"), 406, "PGRST107")
	})
	t.Run("aggregates", func(t *testing.T) {
		r := g.at(t, "GET", "/gc_films?select=genre,count(),rating.max()&genre=in.(scifi,crime)&order=genre", "", "")
		expect(t, r, 200)
		expectBody(t, r, `[{"genre":"crime","count":2,"max":8.3},{"genre":"scifi","count":3,"max":8.5}]`)
	})
	t.Run("aggregates disabled", func(t *testing.T) {
		expectError(t, call(t, "GET", "/gc_films?select=count()", "", ""), 400, "PGRST123")
	})
	t.Run("filter values", func(t *testing.T) {
		for _, c := range []struct{ query, want string }{
			{"title=eq.is.null", `[{"id":9}]`},
			{"title=eq.null", `[{"id":10}]`},
			{"title=is.null", `[]`},
			{"genre=is.null", `[{"id":7}]`},
			{`title=in.("Fargo, \"the (film)\"",Heat)`, `[{"id":6},{"id":8}]`},
			{`or=(title.eq."Fargo, \"the (film)\"",id.eq.1)`, `[{"id":1},{"id":6}]`},
			{"title=like.*a*e*&title=not.ilike.h*", `[{"id":2},{"id":5},{"id":6}]`},
			{"title=like(any).{A*,B*}", `[{"id":1},{"id":2}]`},
			{"title=ilike(all).{*a*,*r*}", `[{"id":2},{"id":5},{"id":6},{"id":7}]`},
			{"tags=cs.{space}&tags=not.cs.{horror}", `[{"id":4},{"id":7}]`},
			{"showing=ov.[4,6)", `[{"id":1},{"id":2},{"id":8}]`},
			{"plot=fts(english).hunts", `[{"id":2},{"id":8}]`},
			{"plot=wfts.crew%20-space", `[{"id":8}]`},
			{"meta->director->>name=eq.Scott", `[{"id":1},{"id":2}]`},
			{"meta->langs=cs.[%22ja%22]", `[{"id":2}]`},
			{"not.or=(year.lt.2000,genre.is.null)", `[{"id":4},{"id":9},{"id":10}]`},
			{"or=(and(genre.eq.scifi,rating.gte.8.1),not.and(year.lt.2000,id.gt.0))", `[{"id":1},{"id":2},{"id":4},{"id":7},{"id":9},{"id":10}]`},
			{"plot=imatch.%C3%BCn%C3%AFc", `[{"id":10}]`},
			{"rating=isdistinct.8.5&id=lt.4", `[{"id":2}]`},
		} {
			r := g.at(t, "GET", "/gc_films?select=id&order=id&"+enc(c.query), "", "")
			if r.Status != 200 {
				t.Errorf("%s: %d %s", c.query, r.Status, r.Body)
				continue
			}
			var got, want any
			_ = json.Unmarshal(r.Body, &got)
			_ = json.Unmarshal([]byte(c.want), &want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: %s, want %s", c.query, r.Body, c.want)
			}
		}
	})
	t.Run("order and json paths", func(t *testing.T) {
		r := g.at(t, "GET", "/gc_films?select=id,d:meta->director->>name,first:meta->langs->0&"+
			"order=meta->awards.desc.nullslast,id&limit=3", "", "")
		expect(t, r, 200)
		expectBody(t, r, `[{"id":7,"d":"Cuaron","first":"en"},{"id":4,"d":"Villeneuve","first":"en"},{"id":3,"d":"Curtiz","first":"en"}]`)
		r = g.at(t, "GET", "/gc_films?select=id&order=genre.asc.nullsfirst,id.desc&limit=2", "", "")
		expectBody(t, r, `[{"id":7},{"id":8}]`)
	})
}

func TestGrammarWrites(t *testing.T) {
	t.Parallel()
	g := startOwnGateway(t)
	alice := token(t, userA, nil)
	bob := token(t, userB, nil)
	repr := "Prefer: return=representation"

	t.Run("insert statuses and headers", func(t *testing.T) {
		r := g.at(t, "POST", "/gc_notes", alice, `{"slug":"gw-min","title":"m"}`)
		expect(t, r, 201, "Content-Range: */*", "Location: ")
		if len(r.Body) != 0 {
			t.Fatalf("minimal body %q", r.Body)
		}
		r = g.at(t, "POST", "/gc_notes?select=slug,priority", alice, `{"slug":"gw-rep","title":"r"}`, repr)
		expect(t, r, 201, "Preference-Applied: return=representation")
		expectBody(t, r, `[{"slug":"gw-rep","priority":3}]`)
		r = g.at(t, "POST", "/gc_notes", alice, `{"slug":"gw-hdr","title":"h"}`, "Prefer: return=headers-only")
		expect(t, r, 201)
		loc := r.Header.Get("Location")
		if !strings.HasPrefix(loc, "/gc_notes?id=eq.") {
			t.Fatalf("Location %q", loc)
		}
		r = g.at(t, "GET", loc+"&select=slug", alice, "")
		expectBody(t, r, `[{"slug":"gw-hdr"}]`)
		r = g.at(t, "POST", "/gc_notes", alice, `[{"slug":"gw-c1","title":"a"},{"slug":"gw-c2","title":"b"}]`,
			"Prefer: count=exact")
		expect(t, r, 201, "Content-Range: */2")
	})
	t.Run("order sorts the representation", func(t *testing.T) {
		body := `[{"slug":"gw-o1","title":"b"},{"slug":"gw-o2","title":"c"},{"slug":"gw-o3","title":"a"}]`
		r := g.at(t, "POST", "/gc_notes?select=slug&order=title.desc", alice, body, repr)
		expect(t, r, 201)
		expectBody(t, r, `[{"slug":"gw-o2"},{"slug":"gw-o1"},{"slug":"gw-o3"}]`)
		r = g.at(t, "PATCH", "/gc_notes?slug=like.gw-o*&select=slug,priority&order=slug.desc", alice,
			`{"priority":5}`, repr)
		expect(t, r, 200)
		expectBody(t, r, `[{"slug":"gw-o3","priority":5},{"slug":"gw-o2","priority":5},{"slug":"gw-o1","priority":5}]`)
	})
	t.Run("csv, columns and missing default", func(t *testing.T) {
		r := g.at(t, "POST", "/gc_notes?select=slug,title,body&order=slug", alice,
			"slug,title,body\ngw-csv1,\"a, b\",NULL\ngw-csv2,c,d\n", "Content-Type: text/csv", repr)
		expect(t, r, 201)
		expectBody(t, r, `[{"slug":"gw-csv1","title":"a, b","body":null},{"slug":"gw-csv2","title":"c","body":"d"}]`)
		r = g.at(t, "POST", "/gc_notes?columns=slug,title&select=slug,body", alice,
			`[{"slug":"gw-col","title":"t","body":"ignored"}]`, repr)
		expectBody(t, r, `[{"slug":"gw-col","body":null}]`)
		r = g.at(t, "POST", "/gc_notes?columns=slug,title,priority&select=slug,priority&order=slug", alice,
			`[{"slug":"gw-md1","title":"t","priority":9},{"slug":"gw-md2","title":"t"}]`,
			"Prefer: return=representation, missing=default")
		expect(t, r, 201, "Preference-Applied: missing=default, return=representation")
		expectBody(t, r, `[{"slug":"gw-md1","priority":9},{"slug":"gw-md2","priority":3}]`)
		expectError(t, g.at(t, "POST", "/gc_notes?columns=slug,nope", alice, `{"slug":"x"}`), 400, "PGRST204")
	})
	t.Run("upserts", func(t *testing.T) {
		g.at(t, "POST", "/gc_notes", alice, `{"slug":"gw-up","title":"first"}`)
		merge := "Prefer: resolution=merge-duplicates, return=representation"
		r := g.at(t, "POST", "/gc_notes?on_conflict=slug&select=slug,title", alice, `{"slug":"gw-up","title":"second"}`, merge)
		expect(t, r, 200, "Preference-Applied: resolution=merge-duplicates, return=representation")
		expectBody(t, r, `[{"slug":"gw-up","title":"second"}]`)
		r = g.at(t, "POST", "/gc_notes?on_conflict=slug&select=slug,title&order=slug", alice,
			`[{"slug":"gw-up","title":"third"},{"slug":"gw-up2","title":"new"}]`, merge)
		expect(t, r, 201)
		r = g.at(t, "POST", "/gc_notes?on_conflict=slug&select=slug", alice, `{"slug":"gw-up","title":"ignored"}`,
			"Prefer: resolution=ignore-duplicates, return=representation")
		expect(t, r, 200)
		expectBody(t, r, `[]`)
		r = g.at(t, "GET", "/gc_notes?slug=eq.gw-up&select=title", alice, "")
		expectBody(t, r, `[{"title":"third"}]`)
	})
	t.Run("put", func(t *testing.T) {
		r := g.at(t, "PUT", "/gc_pairs?k1=eq.100&k2=eq.a", alice, `{"k1":100,"k2":"a","v":"one"}`, repr)
		expect(t, r, 201)
		expectBody(t, r, fmt.Sprintf(`[{"k1":100,"k2":"a","owner":%q,"v":"one"}]`, userA))
		r = g.at(t, "PUT", "/gc_pairs?k1=eq.100&k2=eq.a&select=v", alice, `{"k1":100,"k2":"a","v":"two"}`, repr)
		expect(t, r, 200)
		expectBody(t, r, `[{"v":"two"}]`)
		expect(t, g.at(t, "PUT", "/gc_pairs?k1=eq.100&k2=eq.a", alice, `{"k1":100,"k2":"a","v":"three"}`), 204)
		expectError(t, g.at(t, "PUT", "/gc_pairs?k1=eq.100&k2=eq.a", alice, `{"k1":101,"k2":"a"}`), 400, "PGRST115")
		expectError(t, g.at(t, "PUT", "/gc_pairs?k1=eq.100", alice, `{"k1":100,"k2":"a"}`), 405, "PGRST105")
		expectError(t, g.at(t, "PUT", "/gc_pairs?k1=gt.100&k2=eq.a", alice, `{"k1":100,"k2":"a"}`), 405, "PGRST105")
		expectError(t, g.at(t, "PUT", "/gc_pairs?k1=eq.100&k2=eq.a&limit=1", alice, `{"k1":100,"k2":"a"}`), 400, "PGRST114")
		expectError(t, g.at(t, "PUT", "/gc_pairs?k1=eq.100&k2=eq.a", alice, `[{"k1":100,"k2":"a"},{"k1":100,"k2":"a"}]`),
			400, "PGRST102")
		// Someone else's row cannot be replaced.
		expectError(t, g.at(t, "PUT", "/gc_pairs?k1=eq.100&k2=eq.a", bob, `{"k1":100,"k2":"a","v":"bob"}`), 403, "42501")
	})
	t.Run("patch and delete", func(t *testing.T) {
		body := `[{"slug":"gw-p1","title":"p","priority":1},{"slug":"gw-p2","title":"p","priority":1},` +
			`{"slug":"gw-p3","title":"p","priority":1}]`
		expect(t, g.at(t, "POST", "/gc_notes", alice, body), 201)
		r := g.at(t, "PATCH", "/gc_notes?slug=like.gw-p*", alice, `{"priority":2}`)
		expect(t, r, 204, "Content-Range: 0-2/*")
		r = g.at(t, "PATCH", "/gc_notes?slug=eq.gw-p1&select=slug,priority", alice, `{"priority":5}`, repr)
		expect(t, r, 200, "Content-Range: 0-0/*")
		expectBody(t, r, `[{"slug":"gw-p1","priority":5}]`)
		r = g.at(t, "PATCH", "/gc_notes?slug=like.gw-p*", alice, `{"priority":7}`, "Prefer: handling=strict, max-affected=2")
		expectError(t, r, 400, "PGRST124")
		r = g.at(t, "GET", "/gc_notes?slug=like.gw-p*&priority=eq.7", alice, "")
		expectBody(t, r, `[]`)
		r = g.at(t, "PATCH", "/gc_notes?slug=like.gw-p*", alice, `{"priority":7}`, "Prefer: handling=strict, max-affected=3")
		expect(t, r, 204, "Preference-Applied: handling=strict, max-affected=3")
		// Without handling=strict, max-affected is not enforced.
		expect(t, g.at(t, "PATCH", "/gc_notes?slug=like.gw-p*", alice, `{"priority":8}`, "Prefer: max-affected=1"), 204)
		expectError(t, g.at(t, "DELETE", "/gc_notes?slug=like.gw-p*", alice, "", "Prefer: handling=strict, max-affected=1"),
			400, "PGRST124")
		r = g.at(t, "DELETE", "/gc_notes?slug=eq.gw-p3&select=slug", alice, "", repr)
		expect(t, r, 200)
		expectBody(t, r, `[{"slug":"gw-p3"}]`)
		expect(t, g.at(t, "DELETE", "/gc_notes?slug=like.gw-p*", alice, ""), 204, "Content-Range: 0-1/*")
		// Other users' rows are invisible to writes.
		g.at(t, "POST", "/gc_notes", alice, `{"slug":"gw-alice","title":"x"}`)
		expect(t, g.at(t, "DELETE", "/gc_notes?slug=eq.gw-alice", bob, ""), 204, "Content-Range: */*")
		expectBody(t, g.at(t, "GET", "/gc_notes?slug=eq.gw-alice&select=slug", alice, ""), `[{"slug":"gw-alice"}]`)
	})
	t.Run("object on write", func(t *testing.T) {
		obj := "Accept: application/vnd.pgrst.object+json"
		r := g.at(t, "POST", "/gc_notes?select=slug", alice, `{"slug":"gw-obj","title":"o"}`, repr, obj)
		expect(t, r, 201)
		expectBody(t, r, `{"slug":"gw-obj"}`)
		r = g.at(t, "POST", "/gc_notes?select=slug", alice, `[{"slug":"gw-obj2","title":"o"},{"slug":"gw-obj3","title":"o"}]`, repr, obj)
		expectError(t, r, 406, "PGRST116")
		expectBody(t, g.at(t, "GET", "/gc_notes?slug=like.gw-obj*&select=slug", alice, ""), `[{"slug":"gw-obj"}]`)
	})
	t.Run("transactions", func(t *testing.T) {
		r := g.at(t, "POST", "/gc_notes?select=slug", alice, `{"slug":"gw-tx","title":"t"}`,
			"Prefer: tx=rollback, return=representation")
		expect(t, r, 201, "Preference-Applied: return=representation, tx=rollback")
		expectBody(t, r, `[{"slug":"gw-tx"}]`)
		expectBody(t, g.at(t, "GET", "/gc_notes?slug=eq.gw-tx", alice, ""), `[]`)
		r = g.at(t, "POST", "/gc_notes", alice, `{"slug":"gw-tx","title":"t"}`, "Prefer: tx=commit")
		expect(t, r, 201, "Preference-Applied: tx=commit")
		expectBody(t, g.at(t, "GET", "/gc_notes?slug=eq.gw-tx&select=slug", alice, ""), `[{"slug":"gw-tx"}]`)
		// The shared gateway does not allow the override.
		r = call(t, "POST", "/gc_notes", alice, `{"slug":"gw-tx2","title":"t"}`, "Prefer: tx=rollback")
		expect(t, r, 201, "Preference-Applied: ")
		expectBody(t, g.at(t, "GET", "/gc_notes?slug=eq.gw-tx2&select=slug", alice, ""), `[{"slug":"gw-tx2"}]`)
	})
	t.Run("strict preferences", func(t *testing.T) {
		r := g.at(t, "POST", "/gc_notes", alice, `{"slug":"gw-s","title":"t"}`, "Prefer: handling=strict, nonsense=1")
		expectError(t, r, 400, "PGRST122")
		r = g.at(t, "POST", "/gc_notes", alice, `{"slug":"gw-s","title":"t"}`, "Prefer: handling=lenient, nonsense=1")
		expect(t, r, 201)
		expectError(t, g.at(t, "GET", "/gc_films", "", "", "Prefer: handling=strict, count=maybe"), 400, "PGRST122")
		expectError(t, g.at(t, "GET", "/gc_films", "", "", "Prefer: handling=strict, max-affected=x"), 400, "PGRST122")
	})
	t.Run("anonymous writes", func(t *testing.T) {
		expectError(t, g.at(t, "POST", "/gc_notes", "", `{"slug":"gw-anon","title":"t"}`), 401, "42501")
		expectError(t, g.at(t, "PATCH", "/gc_notes?id=eq.1", "", `{"title":"t"}`), 401, "42501")
	})
}

func TestGrammarRoundTrip(t *testing.T) {
	t.Parallel()
	g := startOwnGateway(t)
	// The client tests write the same values as userA; RLS keeps them apart.
	alice := token(t, userC, nil)
	row := `{"label":"gw-rt","big":123456789012345678901234567890.123456789012345678901234567890,` +
		`"amount":-98765432109876543210.0123456789,"huge":9223372036854775807,"ratio":1.5e-300,` +
		`"at":"2024-02-29T23:59:59.123456+00:00","nums":[1,-2,3],"words":["a,b","\"q\"","null"],` +
		`"doc":{"k":[1,2.50,{"z":null}],"u":"é"},"raw":{"b":1.10,"a":2},"bin":"\\x00ff10",` +
		`"uid":"0b9f4a9e-3a44-4d5e-9c1b-5f0e7e8d9c2a","mood":"happy","score":42}`
	cols := "label,big,amount,huge,ratio,at,nums,words,doc,raw,bin,uid,mood,score"
	r := g.at(t, "POST", "/gc_values?select="+cols, alice, row, "Prefer: return=representation")
	expect(t, r, 201)
	want := "[" + row + "]"
	for _, got := range []*reply{r, g.at(t, "GET", "/gc_values?label=eq.gw-rt&select="+cols, alice, "")} {
		if canonical(t, got.Body) != canonical(t, []byte(want)) {
			t.Fatalf("round trip:\n got %s\nwant %s", got.Body, want)
		}
	}
	// Filters take the same values back.
	for _, f := range []string{"big=eq.123456789012345678901234567890.123456789012345678901234567890",
		"huge=eq.9223372036854775807", "at=eq.2024-02-29T23:59:59.123456Z", "nums=cs.{-2}",
		"uid=eq.0b9f4a9e-3a44-4d5e-9c1b-5f0e7e8d9c2a", "mood=eq.happy", "score=gt.41", `bin=eq.\x00ff10`,
		"doc->k->1=eq.2.5", "words=cs.{\"a,b\"}"} {
		r := g.at(t, "GET", "/gc_values?select=label&"+enc(f), alice, "")
		if r.Status != 200 || string(r.Body) != `[{"label":"gw-rt"}]` {
			t.Errorf("%s: %d %s", f, r.Status, r.Body)
		}
	}
	// A domain's check and an enum's labels are enforced.
	expectError(t, g.at(t, "POST", "/gc_values", alice, `{"label":"x","score":0}`), 400, "23514")
	expectError(t, g.at(t, "POST", "/gc_values", alice, `{"label":"x","mood":"angry"}`), 400, "22P02")
}

// enc percent-encodes the characters of a hand-written query string that
// may not appear raw in a request line.
func enc(q string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", `\`, "%5C").Replace(q)
}

// canonical re-encodes JSON with numbers kept as their exact text and
// objects with sorted keys, so two texts compare by value.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func TestGrammarMalformed(t *testing.T) {
	t.Parallel()
	g := startOwnGateway(t)
	alice := token(t, userA, nil)
	cases := []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status       int
		code         string
	}{
		{"select trailing comma", "GET", "/gc_films?select=id,", "", nil, 400, "PGRST100"},
		{"unclosed logic", "GET", "/gc_films?or=(id.eq.1", "", nil, 400, "PGRST100"},
		{"unclosed in", "GET", "/gc_films?id=in.(1,2", "", nil, 400, "PGRST100"},
		{"operator without value", "GET", "/gc_films?id=not.eq", "", nil, 400, "PGRST100"},
		{"bad order", "GET", "/gc_films?order=id.up", "", nil, 400, "PGRST100"},
		{"negative limit", "GET", "/gc_films?limit=-1", "", nil, 400, "PGRST100"},
		{"huge offset", "GET", "/gc_films?offset=99999999999999999999", "", nil, 400, "PGRST100"},
		{"bad percent encoding", "GET", "/gc_films?select=%zz", "", nil, 400, "PGRST100"},
		{"bad cast", "GET", "/gc_films?select=id::int%20or%201", "", nil, 400, "PGRST100"},
		{"unknown cast type", "GET", "/gc_films?select=id::nosuchtype", "", nil, 400, "42704"},
		{"nul byte value", "GET", "/gc_films?title=eq.%00", "", nil, 400, "22021"},
		{"invalid utf8 value", "GET", "/gc_films?title=eq.%ff", "", nil, 400, "22021"},
		{"bad is value", "GET", "/gc_films?genre=is.maybe", "", nil, 400, "PGRST100"},
		{"bad quantifier", "GET", "/gc_films?id=eq(some).{1}", "", nil, 400, "PGRST100"},
		{"bad json path", "GET", "/gc_films?select=meta->", "", nil, 400, "PGRST100"},
		{"bad range header", "GET", "/gc_films?select=id", "", []string{"Range: abc"}, 200, ""},
		{"bad accept", "GET", "/gc_films", "", []string{"Accept: ;;;"}, 406, "PGRST107"},
		{"bad prefer lenient", "GET", "/gc_films", "", []string{"Prefer: ===,,,count"}, 200, ""},
		{"empty body", "POST", "/gc_notes", "", []string{"Content-Type: application/json"}, 400, "PGRST102"},
		{"broken json", "POST", "/gc_notes", `{"title":`, nil, 400, "PGRST102"},
		{"json scalar", "POST", "/gc_notes", `42`, nil, 400, "PGRST102"},
		{"array of scalars", "POST", "/gc_notes", `[1,2]`, nil, 400, "PGRST102"},
		{"trailing data", "POST", "/gc_notes", `{"title":"a"} {}`, nil, 400, "PGRST102"},
		{"unknown body column", "POST", "/gc_notes", `{"nope":1}`, nil, 400, "PGRST204"},
		{"wrong value type", "POST", "/gc_notes", `{"title":"a","priority":"high"}`, nil, 400, "22P02"},
		{"patch with array", "PATCH", "/gc_notes?id=eq.1", `[{"title":"a"},{"title":"b"}]`, nil, 400, "PGRST102"},
		{"xml body", "POST", "/gc_notes", `<a/>`, []string{"Content-Type: application/xml"}, 400, "PGRST102"},
		{"broken csv", "POST", "/gc_notes", "title\n\"a", []string{"Content-Type: text/csv"}, 400, "PGRST102"},
		{"bad on_conflict", "POST", "/gc_notes?on_conflict=nope", `{"title":"a"}`,
			[]string{"Prefer: resolution=merge-duplicates"}, 400, "42703"},
		{"on_conflict without constraint", "POST", "/gc_notes?on_conflict=title", `{"title":"a"}`,
			[]string{"Prefer: resolution=merge-duplicates"}, 400, "42P10"},
		{"unknown method", "TRACE", "/gc_films", "", nil, 405, "PGRST117"},
		{"unknown profile", "GET", "/gc_films", "", []string{"Accept-Profile: nope"}, 406, "PGRST106"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := g.at(t, c.method, c.path, alice, c.body, c.headers...)
			if c.code == "" {
				expect(t, r, c.status)
				return
			}
			expectError(t, r, c.status, c.code)
		})
	}
}

// Prefer: timezone sets the transaction's time zone when the server knows
// the name; an unknown one is ignored, or refused with handling=strict.
func TestPreferTimezone(t *testing.T) {
	t.Parallel()
	g := startOwnGateway(t)
	const moment = "/gc_moments?select=at&id=eq.1"

	r := g.at(t, "GET", moment, "", "", "Prefer: timezone=Asia/Tokyo")
	expect(t, r, 200, "Preference-Applied: timezone=Asia/Tokyo")
	expectBody(t, r, `[{"at":"2024-01-01T21:00:00+09:00"}]`)

	// The next request on the same connection is back in the server's zone.
	r = g.at(t, "GET", moment, "", "", "Prefer: timezone=America/Los_Angeles")
	expect(t, r, 200, "Preference-Applied: timezone=America/Los_Angeles")
	expectBody(t, r, `[{"at":"2024-01-01T04:00:00-08:00"}]`)
	plain := g.at(t, "GET", moment, "", "")
	expect(t, plain, 200, "Preference-Applied: ")
	if strings.Contains(string(plain.Body), "-08:00") || strings.Contains(string(plain.Body), "+09:00") {
		t.Fatalf("a request without the preference kept another's time zone: %s", plain.Body)
	}

	unknown := g.at(t, "GET", moment, "", "", "Prefer: timezone=Mars/Olympus_Mons")
	expect(t, unknown, 200, "Preference-Applied: ")
	if string(unknown.Body) != string(plain.Body) {
		t.Fatalf("an unknown time zone changed the body: %s, want %s", unknown.Body, plain.Body)
	}
	expectError(t, g.at(t, "GET", moment, "", "", "Prefer: handling=strict, timezone=Mars/Olympus_Mons"),
		400, "PGRST122")
	// Functions run in it too.
	r = g.at(t, "GET", "/rpc/gc_zone", "", "", "Prefer: timezone=Asia/Kolkata")
	expect(t, r, 200, "Preference-Applied: timezone=Asia/Kolkata")
	expectBody(t, r, `"Asia/Kolkata"`)
}
