package querybuilder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// dbCase runs one request against the seeded database inside a
// transaction that is rolled back afterwards.
type dbCase struct {
	name string
	req  Request
	// want is the expected body: JSON compared by value (numbers by their
	// exact text), or any text for CSV. "<null>" expects a NULL body.
	want string
	// wantSQL computes the expected JSON body in the same transaction,
	// for values the test cannot know in advance (serial ids).
	wantSQL string
	// pageTotal and total, when set, are the expected counts; total
	// defaults to -1 when no count is asked for.
	pageTotal, total *int64
	// errCode expects the statement to fail with this SQLSTATE, and
	// errText a part of its message.
	errCode, errText string
	// check is a query run after the statement, in the same transaction,
	// whose single text result must equal checkWant.
	check, checkWant string
	// status is the expected response_status; empty expects NULL.
	status string
}

// n points at a count.
func n(v int64) *int64 { return &v }

func get(q string) Request { return req("GET", "posts", q) }

func TestPostgresReads(t *testing.T) {
	t.Parallel()
	conn := connectTestDB(t)
	runDBCases(t, conn, []dbCase{
		{name: "eq", req: get("select=id&id=eq.2"), want: `[{"id":2}]`},
		{name: "neq", req: get("select=id&id=neq.2&order=id"), want: `[{"id":1},{"id":3}]`},
		{name: "gt", req: get("select=id&views=gt.10"), want: `[{"id":2}]`},
		{name: "gte", req: get("select=id&views=gte.10&order=id"), want: `[{"id":1},{"id":2}]`},
		{name: "lt", req: get("select=id&views=lt.20"), want: `[{"id":1}]`},
		{name: "lte timestamptz", req: get("select=id&created_at=lte.2024-01-15T00:00:00Z"), want: `[{"id":1}]`},
		{name: "like", req: get("select=id&title=like.*post"), want: `[{"id":2}]`},
		{name: "ilike", req: get("select=id&title=ilike.HELLO*"), want: `[{"id":1}]`},
		{name: "match", req: get("select=id&title=match.^s"), want: `[{"id":2}]`},
		{name: "imatch", req: get("select=id&title=imatch.^t"), want: `[{"id":3}]`},
		{name: "in", req: get("select=id&id=in.(1,3)&order=id"), want: `[{"id":1},{"id":3}]`},
		{name: "in quoted", req: get(`select=id&title=in.(%22Third,%20\%22quoted\%22%22,nope)`), want: `[{"id":3}]`},
		{name: "in empty", req: get("select=id&id=in.()"), want: `[]`},
		{name: "in enum", req: get("select=id&mood=in.(sad,ok)&order=id"), want: `[{"id":2},{"id":3}]`},
		{name: "is null", req: get("select=id&views=is.null"), want: `[{"id":3}]`},
		{name: "is true", req: get("select=id&published=is.true"), want: `[{"id":1}]`},
		{name: "is false", req: get("select=id&published=is.false"), want: `[{"id":2}]`},
		{name: "is unknown", req: get("select=id&published=is.unknown"), want: `[{"id":3}]`},
		{name: "not is null", req: get("select=id&views=not.is.null&order=id"), want: `[{"id":1},{"id":2}]`},
		{name: "is not_null", req: get("select=id&views=is.not_null&order=id"), want: `[{"id":1},{"id":2}]`},
		{name: "isdistinct", req: get("select=id&published=isdistinct.true&order=id"), want: `[{"id":2},{"id":3}]`},
		{name: "fts tsvector", req: get("select=id&search=fts.fox"), want: `[{"id":1}]`},
		{name: "fts language", req: get("select=id&search=fts(english).dogs"), want: `[{"id":2}]`},
		{name: "fts text column", req: get("select=id&body=fts.fox"), want: `[{"id":1}]`},
		{name: "plfts", req: get("select=id&body=plfts(english).lazy%20dogs"), want: `[{"id":2}]`},
		{name: "phfts", req: get("select=id&body=phfts(english).quick%20brown"), want: `[{"id":1}]`},
		{name: "wfts", req: get("select=id&body=wfts(english).quick%20-lazy"), want: `[{"id":1}]`},
		{name: "cs array", req: get("select=id&tags=cs.{a}"), want: `[{"id":1}]`},
		{name: "cd array", req: get("select=id&tags=cd.{a,b,c}&order=id"), want: `[{"id":1},{"id":2},{"id":3}]`},
		{name: "ov array", req: get("select=id&tags=ov.{c}"), want: `[{"id":2}]`},
		{name: "cs jsonb", req: get(`select=id&data=cs.{"n":1}`), want: `[{"id":1}]`},
		{name: "sl range", req: get("select=id&span=sl.[6,7)"), want: `[{"id":1}]`},
		{name: "sr range", req: get("select=id&span=sr.[0,1)&order=id"), want: `[{"id":1},{"id":2}]`},
		{name: "adj range", req: get("select=id&span=adj.[5,6)"), want: `[{"id":1}]`},
		{name: "ov range", req: get("select=id&span=ov.[4,6)&order=id"), want: `[{"id":1},{"id":2}]`},
		{name: "nxr range", req: get("select=id&span=nxr.[0,6)"), want: `[{"id":1}]`},
		{name: "nxl range", req: get("select=id&span=nxl.[3,4)&order=id"), want: `[{"id":2}]`},
		{name: "not eq", req: get("select=id&id=not.eq.1&order=id"), want: `[{"id":2},{"id":3}]`},
		{name: "not cs", req: get("select=id&tags=not.cs.{a}&order=id"), want: `[{"id":2},{"id":3}]`},
		{name: "eq any", req: get("select=id&id=eq(any).{1,2}&order=id"), want: `[{"id":1},{"id":2}]`},
		{name: "like any", req: get("select=id&title=like(any).{hello*,second*}&order=id"), want: `[{"id":1},{"id":2}]`},
		{name: "like all", req: get("select=id&title=like(all).{*o*,*l*}"), want: `[{"id":1}]`},
		{name: "gt all", req: get("select=id&views=gt(all).{5,15}"), want: `[{"id":2}]`},
		{name: "or", req: get("select=id&or=(id.eq.1,views.gt.15)&order=id"), want: `[{"id":1},{"id":2}]`},
		{name: "or nested and", req: get("select=id&or=(id.eq.3,and(views.gt.5,published.is.true))&order=id"), want: `[{"id":1},{"id":3}]`},
		{name: "not or", req: get("select=id&not.or=(id.eq.1,id.eq.2)"), want: `[{"id":3}]`},
		{name: "or quoted", req: get(`select=id&or=(title.eq."Third,%20\"quoted\"",id.eq.1)&order=id`), want: `[{"id":1},{"id":3}]`},
		{name: "or in", req: get("select=id&or=(id.in.(1,2),id.eq.3)&order=id"), want: `[{"id":1},{"id":2},{"id":3}]`},
		{name: "and", req: get("select=id&and=(tags.cs.{a},id.gt.0)"), want: `[{"id":1}]`},
		{name: "or like any", req: get("select=id&or=(title.like(any).{sec*,x*},id.eq.3)&order=id"), want: `[{"id":2},{"id":3}]`},
		{name: "deep", req: get("select=id&or=(and(id.gt.1,or(views.is.null,not.and(id.eq.2,published.is.false))),id.eq.1)&order=id"), want: `[{"id":1},{"id":3}]`},
		{name: "json path select and filter", req: get("select=id,b:data->a->>b&data->a->>b=eq.y"), want: `[{"id":2,"b":"y"}]`},
		{name: "json path jsonb eq", req: get("select=id&data->n=eq.1"), want: `[{"id":1}]`},
		{name: "json path index", req: get("select=id&data->arr->0=eq.1"), want: `[{"id":1}]`},
		{name: "json text on json column", req: get("select=id&meta->>k=eq.v"), want: `[{"id":1}]`},
		{name: "json on json column", req: get(`select=id&meta->k=eq."w"`), want: `[{"id":2}]`},
		{name: "json select json column", req: get("select=k:meta->k&id=eq.1"), want: `[{"k":"v"}]`},
		{name: "json negative index", req: get("select=data->arr->-1&id=eq.1"), want: `[{"arr":2}]`},
		{name: "order desc nullslast", req: get("select=id&order=views.desc.nullslast"), want: `[{"id":2},{"id":1},{"id":3}]`},
		{name: "order asc nullsfirst", req: get("select=id&order=views.asc.nullsfirst"), want: `[{"id":3},{"id":1},{"id":2}]`},
		{name: "order json desc", req: get("select=id&order=data->n.desc"), want: `[{"id":3},{"id":2},{"id":1}]`},
		{name: "order json column path", req: get("select=id&order=meta->k.desc&id=lt.3"), want: `[{"id":2},{"id":1}]`},
		{name: "select json column keeps json", req: get(`select=meta&id=eq.1`), want: `[{"meta":{"k":"v"}}]`},
		{name: "order json text", req: get("select=id&order=data->>n.asc"), want: `[{"id":1},{"id":2},{"id":3}]`},
		{name: "limit offset", req: get("select=id&order=id&limit=1&offset=1"), want: `[{"id":2}]`},
		{name: "range header", req: with(get("select=id&order=id"), func(r *Request) { r.RangeOffset, r.RangeLimit = 1, 2 }),
			want: `[{"id":2},{"id":3}]`},
		{name: "max rows", req: with(get("select=id&order=id"), func(r *Request) { r.MaxRows = 1 }), want: `[{"id":1}]`},
		{name: "count exact", req: with(get("select=id&order=id&limit=1"), func(r *Request) { r.Prefer.Count = "exact" }),
			want: `[{"id":1}]`, pageTotal: n(1), total: n(3)},
		{name: "cast", req: get("select=id,price::text&id=eq.1"), want: `[{"id":1,"price":"12345678901234567890.1234567890"}]`},
		{name: "numeric exact", req: get("select=price&id=eq.1"), want: `[{"price":12345678901234567890.1234567890}]`},
		{name: "star", req: get("id=eq.3"), want: `[{"id":3,"title":"Third, \"quoted\"","views":null,"price":null,
			"published":null,"created_at":null,"data":null,"meta":null,"tags":[],"uid":null,"mood":"ok","search":null,
			"body":null,"span":"empty"}]`},
		{name: "star and alias", req: get("select=t:title,*&id=eq.2&select=ignored"),
			want: `[{"t":"second post","id":2,"title":"second post","views":20,"price":0.5000000000,"published":false,
			"created_at":"2024-02-01T00:00:00+00:00","data":{"a":{"b":"y"},"n":2},"meta":{"k":"w"},"tags":["b","c"],
			"uid":"22222222-2222-2222-2222-222222222222","mood":"sad","search":"'dog':2 'lazi':1 'sleep':3",
			"body":"lazy dogs sleep","span":"[5,10)"}]`},
		{name: "uuid and enum", req: get("select=id&uid=eq.22222222-2222-2222-2222-222222222222&mood=eq.sad"), want: `[{"id":2}]`},
		{name: "object", req: with(get("select=id,title&id=eq.2"), func(r *Request) { r.Media = MediaObject }),
			want: `{"id":2,"title":"second post"}`, pageTotal: n(1)},
		{name: "csv", req: with(get("select=id,title,tags,views&order=id"), func(r *Request) { r.Media = MediaCSV }),
			want: "id,title,tags,views\n1,hello world,\"{a,b}\",10\n2,second post,\"{b,c}\",20\n3,\"Third, \"\"quoted\"\"\",{},"},
		{name: "csv duplicate names", req: with(get("select=id,id&id=eq.1"), func(r *Request) { r.Media = MediaCSV }),
			want: "id,id\n1,1"},
		{name: "head", req: req("HEAD", "posts", "select=id"), want: "<null>", pageTotal: n(3)},
		{name: "view", req: req("GET", "post_titles", "select=title&id=eq.1"), want: `[{"title":"hello world"}]`},
		{name: "odd names", req: req("GET", `odd "name?`, `select="k?",x:"v\"q"&"k?"=eq.1`), want: `[{"k?":1,"x":"a?b"}]`},
		{name: "varchar value not truncated", req: req("GET", "codes", "select=code&code=eq.abcdefg"), want: `[]`},
		{name: "varchar in not truncated", req: req("GET", "codes", "select=code&code=in.(abcdefg,x)"), want: `[]`},
		{name: "char padded", req: req("GET", "codes", "select=code,grade&grade=eq.A"), want: `[{"code":"abcde","grade":"A "}]`},
		{name: "char value not truncated", req: req("GET", "codes", "select=code&grade=eq.AXY"), want: `[]`},
		{name: "numeric value not rounded", req: req("GET", "codes", "select=code&amount=eq.1.254"), want: `[]`},
		{name: "numeric any not rounded", req: req("GET", "codes", "select=amount&amount=eq(any).{1.254,1.25}"), want: `[{"amount":1.25}]`},
		{name: "insert too long", req: with(req("POST", "codes", ""), func(r *Request) { r.Body = []byte(`{"code":"abcdefg"}`) }),
			errCode: "22001"},
		{name: "bad value is a database error", req: get("select=id&id=eq.abc"), errCode: "22P02"},
	})
}

func TestPostgresWrites(t *testing.T) {
	t.Parallel()
	conn := connectTestDB(t)
	post := func(q, body string, fn func(*Request)) Request {
		r := req("POST", "posts", q)
		r.Body = []byte(body)
		if fn != nil {
			fn(&r)
		}
		return r
	}
	repr := func(r *Request) { r.Prefer.Return = "representation" }
	const allTypes = `{"title":"new","price":12345678901234567890.1234567890,"created_at":"2024-03-01T12:00:00Z",
		"data":{"z":[1,{"y":null}]},"tags":["p","q"],"uid":"33333333-3333-3333-3333-333333333333","mood":"ok",
		"span":"[2,4)","published":true,"views":9007199254740993,"meta":{"m":1.10}}`
	runDBCases(t, conn, []dbCase{
		{name: "insert round trip", req: post("select=title,price,created_at,data,tags,uid,mood,span,published,views,meta", allTypes, repr),
			want: `[{"title":"new","price":12345678901234567890.1234567890,"created_at":"2024-03-01T12:00:00+00:00",
			"data":{"z":[1,{"y":null}]},"tags":["p","q"],"uid":"33333333-3333-3333-3333-333333333333","mood":"ok",
			"span":"[2,4)","published":true,"views":9007199254740993,"meta":{"m":1.10}}]`,
			check: "SELECT price::text FROM posts WHERE title = 'new'", checkWant: "12345678901234567890.1234567890"},
		{name: "insert minimal", req: post("", `[{"title":"a"},{"title":"b"}]`, nil), want: "<null>", pageTotal: n(2),
			check: "SELECT count(*)::text FROM posts", checkWant: "5"},
		{name: "insert missing default", req: post("select=title,views", `[{"title":"a","created_at":null},{"views":5}]`,
			func(r *Request) { repr(r); r.Prefer.Missing = "default" }),
			want:  `[{"title":"a","views":null},{"title":"untitled","views":5}]`,
			check: "SELECT string_agg(title || ':' || (created_at IS NULL)::text, ',' ORDER BY title) FROM posts WHERE id > 3", checkWant: "a:true,untitled:false"},
		{name: "insert missing null", req: post("", `[{"title":"a"},{"views":5}]`, nil), errCode: "23502"},
		{name: "insert headers only", req: post("", `{"title":"h"}`, func(r *Request) { r.Prefer.Return = "headers-only" }),
			wantSQL: "SELECT json_agg(json_build_object('id', id))::text FROM posts WHERE title = 'h'", pageTotal: n(1)},
		{name: "insert empty object", req: post("select=title,views", `{}`, repr), want: `[{"title":"untitled","views":null}]`, pageTotal: n(1)},
		{name: "insert empty array", req: post("", `[]`, repr), want: `[]`, pageTotal: n(0)},
		{name: "insert count", req: post("", `{"title":"c"}`, func(r *Request) { r.Prefer.Count = "exact" }), pageTotal: n(1), total: n(1), want: "<null>"},
		{name: "insert columns", req: post("columns=title&select=title,views", `[{"title":"c","views":3,"nope":1}]`, repr),
			want: `[{"title":"c","views":null}]`},
		{name: "insert csv", req: post("select=title,views", "title,views\nc1,7\nc2,NULL\n", func(r *Request) {
			repr(r)
			r.ContentType = "text/csv"
		}), want: `[{"title":"c1","views":7},{"title":"c2","views":null}]`},
		{name: "insert form", req: post("select=title,views", "title=f+1&views=8", func(r *Request) {
			repr(r)
			r.ContentType = "application/x-www-form-urlencoded"
		}), want: `[{"title":"f 1","views":8}]`},
		{name: "upsert merge", req: post("select=id,title", `[{"id":1,"title":"merged"},{"id":99,"title":"n99"}]`, func(r *Request) {
			repr(r)
			r.Prefer.Resolution = "merge-duplicates"
		}), want: `[{"id":1,"title":"merged"},{"id":99,"title":"n99"}]`,
			check: "SELECT count(*)::text || ':' || (SELECT views FROM posts WHERE id = 1) FROM posts", checkWant: "4:10"},
		{name: "upsert ignore", req: post("select=id", `[{"id":1,"title":"x"}]`, func(r *Request) {
			repr(r)
			r.Prefer.Resolution = "ignore-duplicates"
		}), want: `[]`, pageTotal: n(0), check: "SELECT title FROM posts WHERE id = 1", checkWant: "hello world",
			status: "200"},
		{name: "upsert on conflict", req: with(req("POST", "pairs", "on_conflict=a,b"), func(r *Request) {
			r.Body = []byte(`[{"a":1,"b":"x","note":"changed"}]`)
			r.Prefer.Resolution = "merge-duplicates"
		}), want: "<null>", pageTotal: n(1), check: "SELECT note FROM pairs WHERE a = 1", checkWant: "changed",
			status: "200"},
		{name: "update", req: with(req("PATCH", "posts", "select=id,title,tags,data,price&id=eq.1"), func(r *Request) {
			r.Body = []byte(`{"title":"patched","tags":["x"],"data":{"q":1},"price":-98765432109876543210.0123456789}`)
			repr(r)
		}), want: `[{"id":1,"title":"patched","tags":["x"],"data":{"q":1},"price":-98765432109876543210.0123456789}]`},
		{name: "update minimal", req: with(req("PATCH", "posts", "views=gt.0"), func(r *Request) {
			r.Body = []byte(`{"views":0}`)
		}), want: "<null>", pageTotal: n(2)},
		{name: "update empty", req: with(req("PATCH", "posts", "id=eq.1"), func(r *Request) { r.Body = []byte(`{}`) }),
			want: "<null>", pageTotal: n(0)},
		{name: "update limit", req: with(req("PATCH", "posts", "views=gt.0&order=id.desc&limit=1"), func(r *Request) {
			r.Body = []byte(`{"views":0}`)
		}), pageTotal: n(1), want: "<null>",
			check: "SELECT string_agg(id || ':' || coalesce(views::text, 'null'), ',' ORDER BY id) FROM posts", checkWant: "1:10,2:0,3:null"},
		{name: "update max affected exceeded", req: with(req("PATCH", "posts", "views=gt.0"), func(r *Request) {
			r.Body = []byte(`{"views":0}`)
			r.Prefer.Handling, r.Prefer.MaxAffected = "strict", 1
		}), errCode: "22P02", errText: "PGRST124"},
		{name: "update max affected ok", req: with(req("PATCH", "posts", "views=gt.0"), func(r *Request) {
			r.Body = []byte(`{"views":0}`)
			r.Prefer.Handling, r.Prefer.MaxAffected = "strict", 2
		}), want: "<null>", pageTotal: n(2)},
		{name: "delete", req: with(req("DELETE", "posts", "select=id&id=eq.3"), repr), want: `[{"id":3}]`,
			check: "SELECT count(*)::text FROM posts", checkWant: "2"},
		{name: "delete minimal", req: req("DELETE", "posts", "views=gt.0"), want: "<null>", pageTotal: n(2)},
		{name: "delete logic", req: with(req("DELETE", "posts", "select=id&or=(views.is.null,views.gt.15)&order=id"), repr),
			want: `[{"id":2},{"id":3}]`},
		{name: "delete max affected", req: with(req("DELETE", "pairs", ""), func(r *Request) {
			r.Prefer.Handling, r.Prefer.MaxAffected = "strict", 1
		}), errCode: "22P02", errText: "PGRST124"},
		{name: "put replace", req: with(req("PUT", "pairs", "a=eq.2&b=eq.y"), func(r *Request) {
			r.Body = []byte(`{"a":2,"b":"y","note":"put"}`)
			repr(r)
		}), want: `[{"a":2,"b":"y","note":"put"}]`, check: "SELECT count(*)::text FROM pairs", checkWant: "2",
			status: "200"},
		{name: "put insert", req: with(req("PUT", "pairs", "a=eq.3&b=eq.z"), func(r *Request) {
			r.Body = []byte(`[{"a":3,"b":"z"}]`)
		}), want: "<null>", pageTotal: n(1), check: "SELECT count(*)::text FROM pairs", checkWant: "3"},
		{name: "odd names", req: with(req("POST", `odd "name?`, ""), func(r *Request) {
			r.Body = []byte(`{"k?":2,"v\"q":"x?"}`)
			repr(r)
		}), want: `[{"k?":2,"v\"q":"x?"}]`},
		{name: "odd names headers only", req: with(req("POST", `odd "name?`, ""), func(r *Request) {
			r.Body = []byte(`{"k?":3}`)
			r.Prefer.Return = "headers-only"
		}), want: `[{"k?":3}]`},
		{name: "representation csv", req: with(req("PATCH", "posts", "select=id,title&id=eq.2"), func(r *Request) {
			r.Body = []byte(`{"title":"a,b"}`)
			repr(r)
			r.Media = MediaCSV
		}), want: "id,title\n2,\"a,b\""},
	})
}

// runDBCases runs every case in its own rolled-back transaction.
func runDBCases(t *testing.T, conn *pgx.Conn, cases []dbCase) {
	t.Helper()
	cat := fixtureCatalog()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			plan, err := Build(cat, &r)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			runDBCaseInTx(t, conn, c, plan)
		})
	}
}

// runDBCaseInTx runs one statement in a transaction that is rolled back,
// read only when the plan says so (as rowgate runs it), and checks its
// result row.
func runDBCaseInTx(t *testing.T, conn *pgx.Conn, c dbCase, plan *Plan) {
	t.Helper()
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if plan.ReadOnly {
		if _, err := tx.Exec(ctx, "SET TRANSACTION READ ONLY"); err != nil {
			t.Fatal(err)
		}
	}
	runDBCase(t, tx, c, plan)
}

// runDBCase runs one statement and checks its result row.
func runDBCase(t *testing.T, tx pgx.Tx, c dbCase, plan *Plan) {
	t.Helper()
	ctx := context.Background()
	var pageTotal, total int64
	var body, headers, status *string
	err := tx.QueryRow(ctx, plan.SQL, plan.Args...).Scan(&pageTotal, &total, &body, &headers, &status)
	if c.errCode != "" {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != c.errCode || !strings.Contains(pgErr.Message, c.errText) {
			t.Fatalf("error %v, want SQLSTATE %s containing %q", err, c.errCode, c.errText)
		}
		return
	}
	if err != nil {
		t.Fatalf("query: %v\n%s", err, plan.SQL)
	}

	if c.pageTotal != nil && pageTotal != *c.pageTotal {
		t.Errorf("page_total %d, want %d", pageTotal, *c.pageTotal)
	}
	wantTotal := c.total
	if wantTotal == nil && c.req.Prefer.Count == "" {
		wantTotal = n(-1)
	}
	if wantTotal != nil && total != *wantTotal {
		t.Errorf("total_result_set %d, want %d", total, *wantTotal)
	}
	if headers != nil {
		t.Errorf("response headers %v, want NULL", *headers)
	}
	if got := deref(status); got != c.status {
		t.Errorf("response status %q, want %q", got, c.status)
	}

	want := c.want
	if c.wantSQL != "" {
		if err := tx.QueryRow(ctx, c.wantSQL).Scan(&want); err != nil {
			t.Fatal(err)
		}
	}
	switch {
	case want == "<null>":
		if body != nil {
			t.Errorf("body %s, want NULL", *body)
		}
	case body == nil:
		t.Errorf("body NULL, want %s", want)
	case c.req.Media == MediaCSV:
		if *body != want {
			t.Errorf("body\n%q\nwant\n%q", *body, want)
		}
	default:
		assertJSON(t, *body, want)
	}

	if c.check != "" {
		var got string
		if err := tx.QueryRow(ctx, c.check).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.checkWant {
			t.Errorf("check %q = %q, want %q", c.check, got, c.checkWant)
		}
	}
}

// assertJSON compares two JSON texts by value, numbers by their exact text.
func assertJSON(t *testing.T, got, want string) {
	t.Helper()
	decode := func(s string) any {
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("invalid JSON %q: %v", s, err)
		}
		return v
	}
	if !reflect.DeepEqual(decode(got), decode(want)) {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
