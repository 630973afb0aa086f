package querybuilder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/querybuilder/catalog"
	pgsql "github.com/rowgate/rowgate/sql"
)

// rpcDDL creates the functions the RPC tests call, in a schema of their
// own inside the shared test database.
const rpcDDL = `
CREATE SCHEMA rpc;
CREATE TABLE rpc.things (id int PRIMARY KEY, name text NOT NULL, tags text[]);
INSERT INTO rpc.things VALUES (1, 'one', '{a}'), (2, 'two', '{a,b}'), (3, 'three', NULL);
CREATE TYPE rpc.pair AS (a int, b text);
CREATE FUNCTION rpc.add(a integer, b integer DEFAULT 10) RETURNS integer
  LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
CREATE FUNCTION rpc.over(a integer) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''int''';
CREATE FUNCTION rpc.over(a text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''text''';
CREATE FUNCTION rpc.over(a integer, b integer) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''two''';
CREATE FUNCTION rpc.things_from(min_id integer) RETURNS SETOF rpc.things
  LANGUAGE sql STABLE AS 'SELECT * FROM rpc.things WHERE id >= min_id ORDER BY id';
CREATE FUNCTION rpc.series(n integer) RETURNS TABLE (x integer, sq integer)
  LANGUAGE sql IMMUTABLE AS 'SELECT g, g * g FROM generate_series(1, n) g';
CREATE FUNCTION rpc.ints(n integer) RETURNS SETOF integer
  LANGUAGE sql IMMUTABLE AS 'SELECT generate_series(1, n)';
CREATE FUNCTION rpc.mkpair(a integer, b text) RETURNS rpc.pair
  LANGUAGE sql IMMUTABLE AS 'SELECT a, b';
CREATE FUNCTION rpc.outs(a integer, OUT doubled integer, OUT label text)
  LANGUAGE sql IMMUTABLE AS 'SELECT a * 2, ''n'' || a';
CREATE FUNCTION rpc.count_all(VARIADIC xs text[]) RETURNS integer
  LANGUAGE sql IMMUTABLE AS 'SELECT cardinality(xs)';
CREATE FUNCTION rpc.echo_json(json) RETURNS json LANGUAGE sql IMMUTABLE AS 'SELECT $1';
CREATE FUNCTION rpc.echo_text(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper($1)';
CREATE FUNCTION rpc.echo_bytea(bytea) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT length($1)';
CREATE FUNCTION rpc.sum_arr(xs integer[]) RETURNS integer
  LANGUAGE sql IMMUTABLE AS 'SELECT sum(x)::int FROM unnest(xs) x';
CREATE FUNCTION rpc.pair_name(p rpc.pair) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT p.b || p.a';
CREATE FUNCTION rpc.jdoc(doc jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS 'SELECT doc';
CREATE FUNCTION rpc.noop() RETURNS void LANGUAGE sql AS '';
CREATE FUNCTION rpc.add_thing(id integer, name text) RETURNS SETOF rpc.things
  LANGUAGE sql AS 'INSERT INTO rpc.things VALUES (id, name) RETURNING *';
`

// rpcCatalog describes rpcDDL by hand for the golden tests.
func rpcCatalog() *catalog.Catalog {
	cat := catalog.New([]string{"rpc"})
	in := func(name, typ string) catalog.Arg {
		return catalog.Arg{Name: name, Type: typ, Mode: catalog.ArgIn}
	}
	scalar := func(name, ret string, args ...catalog.Arg) {
		cat.AddFunction(&catalog.Function{Schema: "rpc", Name: name, Args: args, ReturnType: ret,
			Volatility: catalog.VolatilityImmutable})
	}
	things := []*catalog.Column{{Name: "id", Type: "integer"}, {Name: "name", Type: "text"},
		{Name: "tags", Type: "text[]", Nullable: true}}

	b := in("b", "integer")
	b.HasDefault = true
	scalar("add", "integer", in("a", "integer"), b)
	scalar("over", "text", in("a", "integer"))
	scalar("over", "text", in("a", "text"))
	scalar("over", "text", in("a", "integer"), in("b", "integer"))
	cat.AddFunction(&catalog.Function{Schema: "rpc", Name: "things_from", Args: []catalog.Arg{in("min_id", "integer")},
		ReturnType: "rpc.things", ReturnsSet: true, Returns: catalog.ReturnComposite, Columns: things,
		Volatility: catalog.VolatilityStable})
	cat.AddFunction(&catalog.Function{Schema: "rpc", Name: "series", Args: []catalog.Arg{in("n", "integer")},
		ReturnType: "record", ReturnsSet: true, Returns: catalog.ReturnComposite,
		Columns:    []*catalog.Column{{Name: "x", Type: "integer"}, {Name: "sq", Type: "integer"}},
		Volatility: catalog.VolatilityImmutable})
	cat.AddFunction(&catalog.Function{Schema: "rpc", Name: "ints", Args: []catalog.Arg{in("n", "integer")},
		ReturnType: "integer", ReturnsSet: true, Volatility: catalog.VolatilityImmutable})
	cat.AddFunction(&catalog.Function{Schema: "rpc", Name: "mkpair",
		Args: []catalog.Arg{in("a", "integer"), in("b", "text")}, ReturnType: "rpc.pair",
		Returns: catalog.ReturnComposite, Volatility: catalog.VolatilityImmutable,
		Columns: []*catalog.Column{{Name: "a", Type: "integer"}, {Name: "b", Type: "text"}}})
	scalar("count_all", "integer", catalog.Arg{Name: "xs", Type: "text[]", Variadic: true, Mode: catalog.ArgVariadic})
	scalar("echo_json", "json", in("", "json"))
	scalar("echo_text", "text", in("", "text"))
	scalar("echo_bytea", "integer", in("", "bytea"))
	scalar("sum_arr", "integer", in("xs", "integer[]"))
	scalar("pair_name", "text", in("p", "rpc.pair"))
	scalar("jdoc", "jsonb", in("doc", "jsonb"))
	cat.AddFunction(&catalog.Function{Schema: "rpc", Name: "noop", ReturnType: "void",
		Returns: catalog.ReturnVoid, Volatility: catalog.VolatilityVolatile})
	cat.AddFunction(&catalog.Function{Schema: "rpc", Name: "add_thing",
		Args: []catalog.Arg{in("id", "integer"), in("name", "text")}, ReturnType: "rpc.things", ReturnsSet: true,
		Returns: catalog.ReturnComposite, Columns: things, Volatility: catalog.VolatilityVolatile})
	return cat
}

// call is an RPC request.
func call(method, fn, query, body string) Request {
	r := Request{Method: method, Schema: "rpc", Resource: fn, RawQuery: query, RangeLimit: -1}
	if body != "" {
		r.Body = []byte(body)
		r.ContentType = "application/json"
	}
	return r
}

// rpcCases are the golden cases; every one builds.
var rpcCases = []buildCase{
	{"scalar_post", call("POST", "add", "", `{"a":1,"b":2}`)},
	{"scalar_default", call("POST", "add", "", `{"a":1}`)},
	{"scalar_get", call("GET", "add", "a=1&b=2", "")},
	{"overload_by_names", call("POST", "over", "", `{"a":1,"b":2}`)},
	{"setof_table", call("GET", "things_from", "min_id=1&select=id,name&name=neq.two&order=id.desc&limit=5", "")},
	{"setof_count", with(call("GET", "things_from", "min_id=2", ""), func(r *Request) { r.Prefer.Count = "exact" })},
	{"returns_table", call("POST", "series", "x=gt.1", `{"n":3}`)},
	{"setof_scalar", call("GET", "ints", "n=3&ints=gte.2&order=ints.desc", "")},
	{"composite", call("POST", "mkpair", "", `{"a":1,"b":"x"}`)},
	{"variadic_get", call("GET", "count_all", "xs=a&xs=b%22c", "")},
	{"variadic_post", call("POST", "count_all", "", `{"xs":["a","b"]}`)},
	{"json_body", call("POST", "echo_json", "", `[1,{"a":2}]`)},
	{"text_body", with(call("POST", "echo_text", "", "hi?"), func(r *Request) { r.ContentType = "text/plain" })},
	{"bytea_body", with(call("POST", "echo_bytea", "", "\x00\x01"), func(r *Request) {
		r.ContentType = "application/octet-stream"
	})},
	{"array_arg", call("POST", "sum_arr", "", `{"xs":[1,2,3]}`)},
	{"composite_arg", call("POST", "pair_name", "", `{"p":{"a":1,"b":"x"}}`)},
	{"jsonb_arg", call("POST", "jdoc", "", `{"doc":{"k":[1,"2"]}}`)},
	{"void", call("POST", "noop", "", "")},
	{"head", call("HEAD", "things_from", "min_id=1", "")},
	{"csv", with(call("GET", "series", "n=2", ""), func(r *Request) { r.Media = MediaCSV })},
	{"max_affected", with(call("POST", "add_thing", "", `{"id":9,"name":"nine"}`), func(r *Request) {
		r.Prefer.Handling, r.Prefer.MaxAffected = "strict", 1
	})},
	{"single_object", with(call("POST", "jdoc", "", `{"k":1}`), func(r *Request) { r.Prefer.Params = "single-object" })},
}

// TestRPCGolden compares the SQL of every RPC case with testdata/rpc.golden.
func TestRPCGolden(t *testing.T) {
	t.Parallel()
	checkRPCGolden(t, rpcCatalog(), "rpc.golden", rpcCases)
}

// checkRPCGolden builds every case with BuildRPC on cat and compares the
// statements with testdata/<file> (rewritten by go test -update).
func checkRPCGolden(t *testing.T, cat *catalog.Catalog, file string, cases []buildCase) {
	t.Helper()
	var b strings.Builder
	for _, c := range cases {
		r := c.req
		plan, err := BuildRPC(cat, &r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		args, err := json.Marshal(plan.Args)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "-- %s: %s /rpc/%s?%s", c.name, r.Method, r.Resource, r.RawQuery)
		if len(r.Body) > 0 {
			fmt.Fprintf(&b, " body=%q", r.Body)
		}
		fmt.Fprintf(&b, "\n%s\n-- args: %s\n-- read_only=%v max_affected=%d\n\n",
			plan.SQL, args, plan.ReadOnly, plan.MaxAffected)
	}
	checkGolden(t, filepath.Join("testdata", file), b.String())
}

func TestRPCErrors(t *testing.T) {
	t.Parallel()
	cat := rpcCatalog()
	cases := []struct {
		name   string
		req    Request
		status int
		code   string
		text   string // part of message, details or hint
	}{
		{"unknown function", call("GET", "nope", "", ""), 404, "PGRST202", "rpc.nope without parameters"},
		{"near name", call("GET", "ad", "a=1", ""), 404, "PGRST202", "Perhaps you meant to call the function rpc.add"},
		{"unknown argument", call("POST", "add", "", `{"a":1,"z":2}`), 404, "PGRST202", "rpc.add(a, z)"},
		{"missing argument", call("POST", "add", "", `{"b":1}`), 404, "PGRST202", "rpc.add(b)"},
		{"ambiguous", call("POST", "over", "", `{"a":1}`), 300, "PGRST203", "rpc.over(a => integer), rpc.over(a => text)"},
		{"bad json", call("POST", "add", "", `{"a":`), 400, "PGRST102", ""},
		{"wrong method", call("PATCH", "add", "", `{"a":1}`), 405, "PGRST101", ""},
		{"bad filter column", call("GET", "things_from", "min_id=1&nope=eq.1", ""), 400, "42703", ""},
		{"text body without text function", with(call("POST", "add", "", "x"), func(r *Request) {
			r.ContentType = "text/plain"
		}), 404, "PGRST202", "single unnamed text"},
		{"max affected on scalar", with(call("POST", "add", "", `{"a":1}`), func(r *Request) {
			r.Prefer.Handling, r.Prefer.MaxAffected = "strict", 1
		}), 400, "PGRST128", ""},
		{"strict invalid preference", with(call("POST", "add", "", `{"a":1}`), func(r *Request) {
			r.Prefer.Handling, r.Prefer.Invalid = "strict", []string{"foo=bar"}
		}), 400, "PGRST122", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := c.req
			_, err := BuildRPC(cat, &r)
			e := requestError(t, err, c.status, c.code)
			all := e.Message + "|" + e.Details + "|" + e.Hint
			if !strings.Contains(all, c.text) {
				t.Errorf("%q lacks %q", all, c.text)
			}
		})
	}
}

func TestArrayLiteral(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`[]`:                          `{}`,
		`[1, 2.50, -3e2]`:             `{1,2.50,-3e2}`,
		`["a", "b\"c", "d\\e", null]`: `{"a","b\"c","d\\e",NULL}`,
		`[[1, 2], [3, 4]]`:            `{{1,2},{3,4}}`,
		`[true, false]`:               `{true,false}`,
		`[{"k": 1}]`:                  `{"{\"k\":1}"}`,
	}
	for in, want := range cases {
		got, err := arrayLiteral([]byte(in))
		if err != nil || got != want {
			t.Errorf("arrayLiteral(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
}

var rpcSchema struct {
	once sync.Once
	err  error
}

// rpcConn connects to the shared test database with the rpc schema in it.
func rpcConn(t *testing.T) *pgx.Conn {
	t.Helper()
	conn := connectTestDB(t)
	rpcSchema.once.Do(func() {
		_, rpcSchema.err = conn.Exec(context.Background(), rpcDDL)
	})
	if rpcSchema.err != nil {
		t.Fatalf("rpc fixture: %v", rpcSchema.err)
	}
	return conn
}

// TestPostgresRPC runs calls against PostgreSQL with the catalog loaded
// from the database itself, each in a rolled-back transaction that is read
// only when the plan says so.
func TestPostgresRPC(t *testing.T) {
	t.Parallel()
	conn := rpcConn(t)
	ctx := context.Background()
	cat, err := pgsql.LoadCatalog(ctx, conn, []string{"rpc"})
	if err != nil {
		t.Fatal(err)
	}

	cases := []dbCase{
		{name: "scalar", req: call("POST", "add", "", `{"a":1,"b":2}`), want: `3`},
		{name: "default", req: call("POST", "add", "", `{"a":1}`), want: `11`},
		{name: "get", req: call("GET", "add", "a=5", ""), want: `15`},
		{name: "overload by names", req: call("GET", "over", "a=1&b=2", ""), want: `"two"`},
		{name: "setof filtered", req: call("GET", "things_from",
			"min_id=1&select=id,name&name=neq.two&order=id.desc", ""),
			want: `[{"id":3,"name":"three"},{"id":1,"name":"one"}]`, pageTotal: n(2)},
		{name: "setof range", req: with(call("GET", "things_from", "min_id=1&order=id", ""), func(r *Request) {
			r.RangeOffset, r.RangeLimit, r.Prefer.Count = 1, 1, "exact"
		}), want: `[{"id":2,"name":"two","tags":["a","b"]}]`, total: n(3)},
		{name: "table", req: call("POST", "series", "x=gt.1&select=sq", `{"n":3}`), want: `[{"sq":4},{"sq":9}]`},
		{name: "setof scalar", req: call("GET", "ints", "n=4&ints=gte.2&order=ints.desc&limit=2", ""), want: `[4,3]`},
		{name: "setof scalar empty", req: call("GET", "ints", "n=0", ""), want: `[]`},
		{name: "composite", req: call("POST", "mkpair", "", `{"a":1,"b":"x"}`), want: `{"a":1,"b":"x"}`},
		{name: "out args", req: call("GET", "outs", "a=4", ""), want: `{"doubled":8,"label":"n4"}`},
		{name: "variadic get", req: call("GET", "count_all", "xs=a&xs=b%22c&xs=", ""), want: `3`},
		{name: "variadic post", req: call("POST", "count_all", "", `{"xs":["a","b"]}`), want: `2`},
		{name: "json body", req: call("POST", "echo_json", "", `[1,{"a":2}]`), want: `[1,{"a":2}]`},
		{name: "text body", req: with(call("POST", "echo_text", "", "hi?"), func(r *Request) {
			r.ContentType = "text/plain"
		}), want: `"HI?"`},
		{name: "bytea body", req: with(call("POST", "echo_bytea", "", "\x00\x01\xff"), func(r *Request) {
			r.ContentType = "application/octet-stream"
		}), want: `3`},
		{name: "array arg", req: call("POST", "sum_arr", "", `{"xs":[1,2,3]}`), want: `6`},
		{name: "array arg as text", req: call("GET", "sum_arr", "xs={4,5}", ""), want: `9`},
		{name: "composite arg", req: call("POST", "pair_name", "", `{"p":{"a":1,"b":"x"}}`), want: `"x1"`},
		{name: "jsonb arg", req: call("POST", "jdoc", "", `{"doc":{"k":[1,"2"]}}`), want: `{"k":[1,"2"]}`},
		{name: "jsonb string arg", req: call("POST", "jdoc", "", `{"doc":"s"}`), want: `"s"`},
		{name: "null arg", req: call("POST", "jdoc", "", `{"doc":null}`), want: `null`},
		{name: "single object", req: with(call("POST", "jdoc", "", `{"k":1}`), func(r *Request) {
			r.Prefer.Params = "single-object"
		}), want: `{"k":1}`},
		{name: "form body", req: with(call("POST", "add", "", "a=2&b=3"), func(r *Request) {
			r.ContentType = "application/x-www-form-urlencoded"
		}), want: `5`},
		{name: "void", req: call("POST", "noop", "", ""), want: "<null>", pageTotal: n(1)},
		{name: "csv", req: with(call("GET", "series", "n=2", ""), func(r *Request) { r.Media = MediaCSV }),
			want: "x,sq\n1,1\n2,4"},
		{name: "volatile write", req: call("POST", "add_thing", "", `{"id":9,"name":"nine"}`),
			want:  `[{"id":9,"name":"nine","tags":null}]`,
			check: "SELECT count(*)::text FROM rpc.things", checkWant: "4"},
		{name: "volatile write on GET is read only", req: call("GET", "add_thing", "id=9&name=nine", ""),
			errCode: "25006"},
		{name: "max affected", req: with(call("POST", "add_thing", "", `{"id":9,"name":"nine"}`), func(r *Request) {
			r.Prefer.Handling, r.Prefer.MaxAffected = "strict", 0
		}), errCode: "22P02", errText: "PGRST124"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			plan, err := BuildRPC(cat, &r)
			if err != nil {
				t.Fatalf("BuildRPC: %v", err)
			}
			runDBCaseInTx(t, conn, c, plan.Plan)
		})
	}
}

// TestPostgresRPCPlansPrepare checks that every golden statement is valid
// SQL for the real functions: PostgreSQL parses and plans each one.
func TestPostgresRPCPlansPrepare(t *testing.T) {
	t.Parallel()
	conn := rpcConn(t)
	ctx := context.Background()
	cat := rpcCatalog()
	for _, c := range rpcCases {
		r := c.req
		plan, err := BuildRPC(cat, &r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if _, err := conn.Prepare(ctx, "", plan.SQL); err != nil {
			t.Errorf("%s: prepare: %v\n%s", c.name, err, plan.SQL)
		}
	}
}

// FuzzBuildRPC checks that no request makes BuildRPC panic or fail with
// anything but an *Error.
func FuzzBuildRPC(f *testing.F) {
	for _, c := range rpcCases {
		f.Add(c.req.Method, c.req.Resource, c.req.RawQuery, c.req.ContentType, string(c.req.Body))
	}
	cat := rpcCatalog()
	f.Fuzz(func(t *testing.T, method, fn, query, contentType, body string) {
		r := Request{Method: method, Schema: "rpc", Resource: fn, RawQuery: query,
			ContentType: contentType, Body: []byte(body), RangeLimit: -1}
		_, err := BuildRPC(cat, &r)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error of type %T: %v", err, err)
		}
	})
}
