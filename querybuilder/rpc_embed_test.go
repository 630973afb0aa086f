package querybuilder

import (
	"strings"
	"testing"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// ecall is an RPC request on the embed schema.
func ecall(method, fn, query, body string) Request {
	r := call(method, fn, query, body)
	r.Schema = "embed"
	return r
}

// rpcEmbedCases call functions that return posts and embed what posts
// embed. They run twice: as golden SQL against embedCatalog, and against
// PostgreSQL with the catalog loaded from embedDDL.
var rpcEmbedCases = []embedCase{
	{"to_many", ecall("GET", "posts_by", "author=1&select=id,comments(id,body)&order=id&comments.order=id", ""),
		`[{"id":1,"comments":[{"id":1,"body":"c1"},{"id":2,"body":"c2"}]},{"id":3,"comments":[]}]`, nil},
	{"to_one_post", ecall("POST", "posts_by", "select=title,author:users!author_id(name)&order=id", `{"author":1}`),
		`[{"title":"p1","author":{"name":"ann"}},{"title":"p3","author":{"name":"ann"}}]`, nil},
	{"many_to_many", ecall("GET", "posts_by", "author=1&select=id,tags(label)&order=id&tags.order=label", ""),
		`[{"id":1,"tags":[{"label":"go"},{"label":"sql"}]},{"id":3,"tags":[]}]`, nil},
	{"nested", ecall("GET", "posts_by", "author=2&select=id,comments(body,users(name))", ""),
		`[{"id":2,"comments":[{"body":"c3","users":{"name":"ann"}}]}]`, nil},
	{"inner_with_count", with(ecall("GET", "posts_by", "author=1&select=id,comments!inner(id)&comments.body=eq.c2", ""),
		exactCount), `[{"id":1,"comments":[{"id":2}]}]`, n(1)},
	{"not_is_null", ecall("GET", "posts_by", "author=1&select=id,editor:users!editor_id(name)&editor=not.is.null", ""),
		`[{"id":1,"editor":{"name":"bob"}}]`, nil},
	{"related_order", ecall("GET", "posts_by",
		"author=1&select=id,editor:users!editor_id(name)&order=editor(name).nullslast,id", ""),
		`[{"id":1,"editor":{"name":"bob"}},{"id":3,"editor":null}]`, nil},
	{"spread", ecall("GET", "posts_by", "author=2&select=title,...users!author_id(author:name)", ""),
		`[{"title":"p2","author":"bob"}]`, nil},
	{"single_row", ecall("GET", "first_post", "select=title,comments(count)", ""),
		`{"title":"p1","comments":[{"count":2}]}`, nil},
}

// TestRPCEmbedGolden compares the SQL of rpcEmbedCases with
// testdata/rpc_embed.golden.
func TestRPCEmbedGolden(t *testing.T) {
	t.Parallel()
	cases := make([]buildCase, len(rpcEmbedCases))
	for i, c := range rpcEmbedCases {
		cases[i] = buildCase{name: c.name, req: c.req}
	}
	checkRPCGolden(t, embedCatalog(), "rpc_embed.golden", cases)
}

// TestPostgresRPCEmbed runs rpcEmbedCases against PostgreSQL, with the
// catalog (functions included) loaded from the database.
func TestPostgresRPCEmbed(t *testing.T) {
	t.Parallel()
	conn, cat := connectEmbedDB(t)
	for _, c := range rpcEmbedCases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			plan, err := BuildRPC(cat, &r)
			if err != nil {
				t.Fatalf("BuildRPC: %v", err)
			}
			runDBCaseInTx(t, conn, dbCase{name: c.name, req: r, want: c.want, total: c.total}, plan.Plan)
		})
	}
}

func TestRPCEmbedErrors(t *testing.T) {
	t.Parallel()
	cat := embedCatalog()
	cases := []struct {
		name   string
		req    Request
		status int
		code   string
		text   string // part of message or details
	}{
		{"function returning a table of its own", ecall("GET", "post_titles", "select=id,comments(id)", ""),
			400, "PGRST200", "between 'post_titles' and 'comments'"},
		{"no such relationship", ecall("GET", "posts_by", "author=1&select=id,shops(id)", ""),
			400, "PGRST200", "between 'posts' and 'shops'"},
		{"ambiguous", ecall("GET", "posts_by", "author=1&select=id,users(name)", ""), 300, "PGRST201", "posts"},
		{"filter on an embed not selected", ecall("GET", "posts_by", "author=1&select=id&comments.id=eq.1", ""),
			400, "PGRST108", "'comments'"},
		{"unknown embedded column", ecall("GET", "posts_by", "author=1&select=id,comments(nope)", ""),
			400, "42703", "comments.nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := c.req
			_, err := BuildRPC(cat, &r)
			e := requestError(t, err, c.status, c.code)
			if all := e.Message + "|" + e.Details; !strings.Contains(all, c.text) {
				t.Errorf("%q lacks %q", all, c.text)
			}
		})
	}
}

func TestSplitTypeName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in           string
		schema, name string
		ok           bool
	}{
		{"notes", "", "notes", true},
		{"api.notes", "api", "notes", true},
		{`"My Schema"."a ""b"".c"`, "My Schema", `a "b".c`, true},
		{`api."Notes"`, "api", "Notes", true},
		{"integer[]", "", "", false},
		{"character varying", "", "", false},
		{"numeric(3,1)", "", "", false},
		{"a.b.c", "", "", false},
		{`"open`, "", "", false},
		{`"a"b`, "", "", false},
		{"a.", "", "", false},
		{"", "", "", false},
	}
	for _, c := range cases {
		schema, name, ok := splitTypeName(c.in)
		if schema != c.schema || name != c.name || ok != c.ok {
			t.Errorf("splitTypeName(%q) = %q, %q, %v; want %q, %q, %v",
				c.in, schema, name, ok, c.schema, c.name, c.ok)
		}
	}
}

// TestCallRelation checks which functions embed like the table they
// return: only those whose return type is that table's row type, in the
// function's schema, with the same columns.
func TestCallRelation(t *testing.T) {
	t.Parallel()
	cat := embedCatalog()
	posts, _ := cat.Table("embed", "posts")
	cases := []struct {
		name  string
		ret   string
		drop  bool // leave out the last column
		table bool // embeds like posts
	}{
		{"qualified", "embed.posts", false, true},
		{"unqualified", "posts", false, true},
		{"other schema", "other.posts", false, false},
		{"other columns", "embed.posts", true, false},
		{"record", "record", false, false},
	}
	for _, c := range cases {
		cols := posts.Columns
		if c.drop {
			cols = cols[:len(cols)-1]
		}
		f := &catalog.Function{Schema: "embed", Name: "f", ReturnType: c.ret,
			Returns: catalog.ReturnComposite, Columns: cols}
		if got := callRelation(cat, f) == posts; got != c.table {
			t.Errorf("%s: embeds like posts = %v, want %v", c.name, got, c.table)
		}
	}
}
