package querybuilder

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/querybuilder/catalog"
	pgsql "github.com/rowgate/rowgate/sql"
)

// embedCase is a request on the embed schema and its expected JSON body.
type embedCase struct {
	name string
	req  Request
	want string
	// total is the expected total_result_set when a count is asked for.
	total *int64
}

func eget(resource, q string) Request { return req("GET", resource, q) }

// representation asks for the written rows back.
func representation(r *Request) { r.Prefer.Return = "representation" }

// exactCount asks for the total.
func exactCount(r *Request) { r.Prefer.Count = "exact" }

// embedCases run twice: as golden SQL against embedCatalog, and against
// PostgreSQL with the catalog loaded from embedDDL.
var embedCases = []embedCase{
	{"many_to_one", eget("posts", "select=id,author:users!author_id(name)&order=id"),
		`[{"id":1,"author":{"name":"ann"}},{"id":2,"author":{"name":"bob"}},{"id":3,"author":{"name":"ann"}}]`, nil},
	{"many_to_one_null", eget("posts", "select=id,editor:users!posts_editor_id_fkey(name)&order=id"),
		`[{"id":1,"editor":{"name":"bob"}},{"id":2,"editor":null},{"id":3,"editor":null}]`, nil},
	{"by_column", eget("posts", "select=id,author_id(name)&id=eq.2"),
		`[{"id":2,"author_id":{"name":"bob"}}]`, nil},
	{"one_to_many", eget("posts", "select=id,comments(id,body)&order=id"),
		`[{"id":1,"comments":[{"id":1,"body":"c1"},{"id":2,"body":"c2"}]},` +
			`{"id":2,"comments":[{"id":3,"body":"c3"}]},{"id":3,"comments":[]}]`, nil},
	{"one_to_many_order_limit", eget("posts", "select=id,comments(id)&id=eq.1&comments.order=id.desc&comments.limit=1"),
		`[{"id":1,"comments":[{"id":2}]}]`, nil},
	{"one_to_many_offset", eget("posts", "select=id,comments(id)&id=eq.1&comments.order=id&comments.offset=1"),
		`[{"id":1,"comments":[{"id":2}]}]`, nil},
	{"many_to_many", eget("posts", "select=id,tags(label)&order=id&tags.order=label"),
		`[{"id":1,"tags":[{"label":"go"},{"label":"sql"}]},{"id":2,"tags":[{"label":"sql"}]},{"id":3,"tags":[]}]`, nil},
	{"many_to_many_back", eget("tags", "select=label,posts(id)&order=id&posts.order=id"),
		`[{"label":"go","posts":[{"id":1}]},{"label":"sql","posts":[{"id":1},{"id":2}]}]`, nil},
	{"one_to_one", eget("users", "select=name,profiles(bio)&order=id"),
		`[{"name":"ann","profiles":{"bio":"ann bio"}},{"name":"bob","profiles":null},{"name":"cid","profiles":null}]`, nil},
	{"one_to_one_back", eget("profiles", "select=bio,users(name)"),
		`[{"bio":"ann bio","users":{"name":"ann"}}]`, nil},
	{"self_reference", eget("users",
		"select=name,manager:manager_id(name),reports:users!manager_id(name)&order=id&reports.order=id"),
		`[{"name":"ann","manager":null,"reports":[{"name":"bob"},{"name":"cid"}]},` +
			`{"name":"bob","manager":{"name":"ann"},"reports":[]},{"name":"cid","manager":{"name":"ann"},"reports":[]}]`, nil},
	{"nested", eget("posts", "select=title,comments(body,author:users(name,profiles(bio)))&id=eq.1&comments.order=id"),
		`[{"title":"p1","comments":[{"body":"c1","author":{"name":"bob","profiles":null}},` +
			`{"body":"c2","author":{"name":"cid","profiles":null}}]}]`, nil},
	{"star_and_embed", eget("comments", "select=*,posts(title)&id=eq.3"),
		`[{"id":3,"post_id":2,"author_id":1,"body":"c3","posts":{"title":"p2"}}]`, nil},
	{"embedded_filter", eget("posts", "select=id,comments(id)&comments.body=eq.c2&order=id"),
		`[{"id":1,"comments":[{"id":2}]},{"id":2,"comments":[]},{"id":3,"comments":[]}]`, nil},
	{"embedded_filter_to_one", eget("posts", "select=id,author:users!author_id(name)&author.name=eq.bob&order=id"),
		`[{"id":1,"author":null},{"id":2,"author":{"name":"bob"}},{"id":3,"author":null}]`, nil},
	{"nested_filter", eget("posts",
		"select=id,comments(id,author:users(name))&comments.author.name=eq.cid&id=eq.1&comments.order=id"),
		`[{"id":1,"comments":[{"id":1,"author":null},{"id":2,"author":{"name":"cid"}}]}]`, nil},
	{"inner", with(eget("posts", "select=id,comments!inner(id)&comments.body=eq.c3"), exactCount),
		`[{"id":2,"comments":[{"id":3}]}]`, n(1)},
	{"inner_nested", eget("posts", "select=id,comments!inner(id,author:users!inner(name))&comments.author.name=eq.ann"),
		`[{"id":2,"comments":[{"id":3,"author":{"name":"ann"}}]}]`, nil},
	{"inner_empty_select", eget("posts", "select=id,tags!inner()&tags.label=eq.go"),
		`[{"id":1}]`, nil},
	{"left", eget("posts", "select=id,comments!left(id)&comments.id=eq.3&order=id"),
		`[{"id":1,"comments":[]},{"id":2,"comments":[{"id":3}]},{"id":3,"comments":[]}]`, nil},
	{"is_null", with(eget("posts", "select=id,editor:users!editor_id(name)&editor=is.null&order=id"), exactCount),
		`[{"id":2,"editor":null},{"id":3,"editor":null}]`, n(2)},
	{"not_is_null", eget("posts", "select=id,comments(id)&comments=not.is.null&order=id&comments.order=id"),
		`[{"id":1,"comments":[{"id":1},{"id":2}]},{"id":2,"comments":[{"id":3}]}]`, nil},
	{"or_embedded", eget("posts", "select=id,comments(id)&comments.or=(id.eq.1,body.eq.c3)&order=id"),
		`[{"id":1,"comments":[{"id":1}]},{"id":2,"comments":[{"id":3}]},{"id":3,"comments":[]}]`, nil},
	{"or_across_embed", eget("posts", "select=id,editor:users!editor_id(name)&or=(editor.not.is.null,id.eq.3)&order=id"),
		`[{"id":1,"editor":{"name":"bob"}},{"id":3,"editor":null}]`, nil},
	{"spread_to_one", eget("posts", "select=title,...users!author_id(author_name:name)&order=id"),
		`[{"title":"p1","author_name":"ann"},{"title":"p2","author_name":"bob"},{"title":"p3","author_name":"ann"}]`, nil},
	{"spread_to_many", eget("posts", "select=id,...comments(body)&order=id&comments.order=id"),
		`[{"id":1,"body":["c1","c2"]},{"id":2,"body":["c3"]},{"id":3,"body":[]}]`, nil},
	{"order_by_to_one", eget("posts", "select=id,author:users!author_id(name)&order=author(name).desc,id"),
		`[{"id":2,"author":{"name":"bob"}},{"id":1,"author":{"name":"ann"}},{"id":3,"author":{"name":"ann"}}]`, nil},
	{"order_by_unselected_column", eget("comments", "select=id,posts(id)&order=posts(title).desc,id"),
		`[{"id":3,"posts":{"id":2}},{"id":1,"posts":{"id":1}},{"id":2,"posts":{"id":1}}]`, nil},
	{"embed_twice", eget("posts", "select=id,author:users!author_id(name),editor:users!editor_id(name)&id=eq.1"),
		`[{"id":1,"author":{"name":"ann"},"editor":{"name":"bob"}}]`, nil},
	{"insert_representation", with(req("POST", "comments", "select=id,posts(title,author:users!author_id(name))"),
		func(r *Request) {
			representation(r)
			r.ContentType, r.Body = "application/json", []byte(`{"id":10,"post_id":3,"author_id":2,"body":"new"}`)
		}),
		`[{"id":10,"posts":{"title":"p3","author":{"name":"ann"}}}]`, nil},
	{"update_representation", with(req("PATCH", "posts", "select=title,comments(id)&id=eq.1&comments.order=id"),
		func(r *Request) {
			representation(r)
			r.ContentType, r.Body = "application/json", []byte(`{"title":"p1b"}`)
		}),
		`[{"title":"p1b","comments":[{"id":1},{"id":2}]}]`, nil},
	// The count of PostgREST's legacy form, which needs no aggregates.
	{"legacy_count", eget("posts", "select=title,comments(count)&order=id"),
		`[{"title":"p1","comments":[{"count":2}]},{"title":"p2","comments":[{"count":1}]},` +
			`{"title":"p3","comments":[{"count":0}]}]`, nil},
	{"legacy_count_filtered", eget("posts", "select=id,comments(total:count::text)&comments.body=neq.c1&order=id"),
		`[{"id":1,"comments":[{"total":"1"}]},{"id":2,"comments":[{"total":"1"}]},{"id":3,"comments":[{"total":"0"}]}]`,
		nil},
	{"legacy_count_to_one", eget("comments", "select=id,posts(count)&id=eq.1"),
		`[{"id":1,"posts":{"count":1}}]`, nil},
	{"legacy_count_top", eget("comments", "select=count"), `[{"count":3}]`, nil},
}

// TestEmbedGolden compares the SQL of embedCases with testdata/embed.golden
// (rewritten by go test -update).
func TestEmbedGolden(t *testing.T) {
	t.Parallel()
	cases := make([]buildCase, len(embedCases))
	for i, c := range embedCases {
		cases[i] = buildCase{name: c.name, req: c.req}
	}
	got := renderGolden(t, embedCatalog(), cases)
	checkGolden(t, filepath.Join("testdata", "embed.golden"), got)
}

// embedDB seeds the embed schema once and loads its catalog with the real
// loader.
var embedDB struct {
	once sync.Once
	cat  *catalog.Catalog
	err  error
}

func connectEmbedDB(t *testing.T) (*pgx.Conn, *catalog.Catalog) {
	t.Helper()
	conn := connectTestDB(t)
	embedDB.once.Do(func() {
		ctx := context.Background()
		if _, err := conn.Exec(ctx, embedDDL); err != nil {
			embedDB.err = err
			return
		}
		embedDB.cat, embedDB.err = pgsql.LoadCatalog(ctx, conn, []string{"embed"})
	})
	if embedDB.err != nil {
		t.Fatalf("embed schema: %v", embedDB.err)
	}
	return conn, embedDB.cat
}

func TestPostgresEmbed(t *testing.T) {
	t.Parallel()
	conn, cat := connectEmbedDB(t)
	extra := []embedCase{
		{"view_many_to_one", eget("posts", "select=id,authors!author_id(name)&id=eq.2"),
			`[{"id":2,"authors":{"name":"bob"}}]`, nil},
		{"view_one_to_many", eget("authors", "select=name,posts!author_id(id)&author_key=eq.1&posts.order=id"),
			`[{"name":"ann","posts":[{"id":1},{"id":3}]}]`, nil},
		{"composite_key", eget("shops", "select=id,regions(name)&order=id"),
			`[{"id":1,"regions":{"name":"Ile-de-France"}},{"id":2,"regions":null}]`, nil},
		{"aggregate_in_embed", with(eget("posts", "select=id,comments(count())&order=id"),
			func(r *Request) { r.AggregatesEnabled = true }),
			`[{"id":1,"comments":[{"count":2}]},{"id":2,"comments":[{"count":1}]},{"id":3,"comments":[{"count":0}]}]`, nil},
		{"count_column_wins", eget("posts", "select=id,tallies(count)&order=id"),
			`[{"id":1,"tallies":[{"count":7}]},{"id":2,"tallies":[]},{"id":3,"tallies":[]}]`, nil},
		{"csv", with(eget("posts", "select=id,author:users!author_id(name)&id=eq.1"),
			func(r *Request) { r.Media = MediaCSV }),
			"id,author\n1,\"{\"\"name\"\":\"\"ann\"\"}\"", nil},
	}
	for _, c := range append(append([]embedCase{}, embedCases...), extra...) {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			r.Schema = "embed"
			plan, err := Build(cat, &r)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			runDBCaseInTx(t, conn, dbCase{name: c.name, req: r, want: c.want, total: c.total}, plan)
		})
	}
}

// TestPostgresEmbedPlan checks that a paged read with a to-many embed
// runs the embed's subquery only for the rows of the page.
func TestPostgresEmbedPlan(t *testing.T) {
	t.Parallel()
	conn, cat := connectEmbedDB(t)
	r := eget("posts", "select=id,comments(id)&order=title&limit=1")
	r.Schema = "embed"
	plan, err := Build(cat, &r)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	err = conn.QueryRow(context.Background(), "EXPLAIN (ANALYZE, FORMAT JSON) "+plan.SQL, plan.Args...).Scan(&out)
	if err != nil {
		t.Fatal(err)
	}
	// The subplan of the embed is executed once: loops == 1.
	var doc []map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	loops := subplanLoops(doc[0]["Plan"].(map[string]any))
	if len(loops) == 0 || loops[0] != 1 {
		t.Errorf("embed subplan loops = %v, want [1]:\n%s", loops, out)
	}
}

// subplanLoops collects the loop counts of the subplans under node.
func subplanLoops(node map[string]any) []float64 {
	var out []float64
	if rel, _ := node["Parent Relationship"].(string); rel == "SubPlan" {
		out = append(out, node["Actual Loops"].(float64))
	}
	plans, _ := node["Plans"].([]any)
	for _, p := range plans {
		out = append(out, subplanLoops(p.(map[string]any))...)
	}
	return out
}

func TestEmbedErrors(t *testing.T) {
	t.Parallel()
	cat := embedCatalog()
	cases := []struct {
		name   string
		req    Request
		status int
		code   string
		// message, details and hint must contain these.
		message, details, hint string
	}{
		{"ambiguous", eget("posts", "select=users(*)"), 300, "PGRST201",
			"more than one relationship was found for 'posts' and 'users'",
			`"relationship":"posts_author_id_fkey using posts(author_id) and users(id)"`,
			"'users!posts_author_id_fkey', 'users!posts_editor_id_fkey'"},
		{"ambiguous many-to-one and back", eget("users", "select=users(*)"), 300, "PGRST201",
			"", `"cardinality":"one-to-many"`, ""},
		{"no relationship", eget("tags", "select=users(*)"), 400, "PGRST200",
			"Could not find a relationship between 'tags' and 'users' in the schema cache", "in the schema 'embed'", ""},
		{"bad hint", eget("posts", "select=users!nope(*)"), 400, "PGRST200", "", "using the hint 'nope'", ""},
		{"filter not embedded", eget("posts", "select=id&comments.id=eq.1"), 400, "PGRST108",
			"'comments' is not an embedded resource in this request", "", "'select' query parameter"},
		{"order not embedded", eget("posts", "select=id&comments.order=id"), 400, "PGRST108", "", "", ""},
		{"limit not embedded", eget("posts", "select=id,comments(id)&comments.tags.limit=1"), 400, "PGRST108",
			"'tags'", "", ""},
		{"related order not embedded", eget("posts", "select=id&order=author(name)"), 400, "PGRST108", "", "", ""},
		{"bad operator on embed", eget("posts", "select=id,comments(id)&comments=eq.1"), 400, "PGRST120",
			"Bad operator on the 'comments' embedded resource", "Only is null or not is null", ""},
		{"related order to-many", eget("posts", "select=id,comments(id)&order=comments(id)"), 400, "PGRST118",
			"A related order on 'comments' is not possible", "do not form a many-to-one or one-to-one", ""},
		{"unknown embedded column", eget("posts", "select=id,comments(nope)"), 400, "42703", "comments.nope", "", ""},
		{"unknown embedded filter column", eget("posts", "select=id,comments(id)&comments.nope=eq.1"), 400, "42703",
			"", "", ""},
		{"too deep", eget("posts", "select="+strings.Repeat("comments(posts(", 9)+"id"+strings.Repeat("))", 9)),
			400, "PGRST127", "", "deeper than 16 levels", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := c.req
			_, err := Build(cat, &r)
			e := requestError(t, err, c.status, c.code)
			for _, part := range []struct{ got, want string }{{e.Message, c.message}, {e.Details, c.details}, {e.Hint, c.hint}} {
				if !strings.Contains(part.got, part.want) {
					t.Errorf("%q lacks %q", part.got, part.want)
				}
			}
		})
	}
}

func TestEmbedParams(t *testing.T) {
	t.Parallel()
	q, err := ParseQuery("a.b.c=eq.1&a.order=x.desc&a.limit=2&a.b.offset=3&a.not.or=(x.eq.1,y.eq.2)&d=eq.4")
	if err != nil {
		t.Fatal(err)
	}
	a := q.Embedded["a"]
	if a == nil || a.Embedded["b"] == nil {
		t.Fatalf("embedded = %+v", q.Embedded)
	}
	b := a.Embedded["b"]
	if len(b.Filters) != 1 || b.Filters[0].Field.Name != "c" || b.Offset != 3 || b.Limit != -1 {
		t.Errorf("a.b = %+v", b)
	}
	if len(a.Order) != 1 || a.Order[0].Direction != "desc" || a.Limit != 2 {
		t.Errorf("a = %+v", a)
	}
	if len(a.Logic) != 1 || !a.Logic[0].Negate || !a.Logic[0].Or {
		t.Errorf("a.not.or = %+v", a.Logic)
	}
	if len(q.Filters) != 1 || q.Filters[0].Field.Name != "d" {
		t.Errorf("top filters = %+v", q.Filters)
	}
}

// FuzzEmbed builds arbitrary query strings on the embed catalog: every
// result is a plan or an *Error, never a panic.
func FuzzEmbed(f *testing.F) {
	for _, c := range embedCases {
		f.Add(c.req.Resource, c.req.RawQuery)
	}
	cat := embedCatalog()
	f.Fuzz(func(t *testing.T, resource, raw string) {
		r := eget(resource, raw)
		_, err := Build(cat, &r)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("Build(%q) = %v, not an *Error", raw, err)
		}
	})
}
