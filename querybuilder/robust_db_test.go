package querybuilder

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/querybuilder/catalog"
	pgsql "github.com/rowgate/rowgate/sql"
)

// aliasNames are the aliases generated statements give relations, rows
// and columns. The robust schema has a table, and a function returning
// its rows, named after each: no user name may collide with an alias.
// The table pgrst_inserted also has a column of that name, the name of
// the flag an upsert's RETURNING adds.
var aliasNames = []string{
	"pgrst_t", "pgrst_source", "pgrst_payload", "pgrst_body", "pgrst_root", "pgrst_target",
	"pgrst_call", "pgrst_n", "pgrst_e", "pgrst_e1", "pgrst_e2", "pgrst_r1", "pgrst_l1",
	"pgrst_x1", "pgrst_c1", "pgrst_o1", "pgrst_inserted",
}

// wideColumns is the number of columns c1, c2, ... of robust.wide, more
// than one json_build_object call takes.
const wideColumns = 60

// robustDDL creates the robust schema. The alias tables form a ring: each
// one's parent column references the one before it, so each has a to-one
// embed (the one before) and a to-many embed (the one after). Every table
// holds the same rows: (1, parent 1, 'a'), (2, parent 2, 'b'),
// (3, parent 1, NULL), so every request has the same answer on each.
func robustDDL() string {
	var b strings.Builder
	b.WriteString("CREATE SCHEMA robust;\n")
	for _, n := range aliasNames {
		fmt.Fprintf(&b, "CREATE TABLE robust.%s (id int PRIMARY KEY, parent int, note text, doc jsonb);\n", n)
		fmt.Fprintf(&b, "INSERT INTO robust.%s VALUES (1, 1, 'a', '{\"\": \"empty key\"}'), "+
			"(2, 2, 'b', NULL), (3, 1, NULL, NULL);\n", n)
		fmt.Fprintf(&b, "CREATE FUNCTION robust.%s() RETURNS SETOF robust.%s LANGUAGE sql STABLE "+
			"AS 'SELECT * FROM robust.%s';\n", n, n, n)
	}
	for i, n := range aliasNames {
		prev := aliasNames[(i+len(aliasNames)-1)%len(aliasNames)]
		fmt.Fprintf(&b, "ALTER TABLE robust.%s ADD FOREIGN KEY (parent) REFERENCES robust.%s;\n", n, prev)
	}
	// A column named like the flag an upsert's RETURNING adds.
	b.WriteString("ALTER TABLE robust.pgrst_inserted ADD COLUMN pgrst_inserted boolean;\n")
	cols, vals := make([]string, wideColumns), make([]string, wideColumns)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d int", i+1)
		vals[i] = strconv.Itoa(i + 1)
	}
	fmt.Fprintf(&b, "CREATE TABLE robust.wide (id int PRIMARY KEY, %s);\n", strings.Join(cols, ", "))
	fmt.Fprintf(&b, "INSERT INTO robust.wide VALUES (0, %s);\n", strings.Join(vals, ", "))
	return b.String()
}

// robustDB seeds the robust schema once and loads its catalog.
var robustDB struct {
	once sync.Once
	cat  *catalog.Catalog
	err  error
}

func connectRobustDB(t *testing.T) (*pgx.Conn, *catalog.Catalog) {
	t.Helper()
	conn := connectTestDB(t)
	robustDB.once.Do(func() {
		ctx := context.Background()
		if _, err := conn.Exec(ctx, robustDDL()); err != nil {
			robustDB.err = err
			return
		}
		robustDB.cat, robustDB.err = pgsql.LoadCatalog(ctx, conn, []string{"robust"})
	})
	if robustDB.err != nil {
		t.Fatalf("robust schema: %v", robustDB.err)
	}
	return conn, robustDB.cat
}

// runRobust builds r on the robust schema (as a call when rpc is set) and
// runs it as c describes, in a transaction that is rolled back.
func runRobust(t *testing.T, conn *pgx.Conn, cat *catalog.Catalog, c dbCase, rpc bool) {
	t.Helper()
	r := c.req
	r.Schema = "robust"
	var plan *Plan
	if rpc {
		p, err := BuildRPC(cat, &r)
		if err != nil {
			t.Fatalf("BuildRPC: %v", err)
		}
		plan = p.Plan
	} else {
		p, err := Build(cat, &r)
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		plan = p
	}
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	runDBCase(t, tx, c, plan)
}

// TestPostgresAliasNames runs reads, embeds, counts, writes and calls on
// tables (and functions) named like every generated alias. A statement
// that qualified a column by a table's own name read the wrong relation
// when an alias of the statement had that name: an embed of pgrst_e1's
// children came back empty for every parent.
func TestPostgresAliasNames(t *testing.T) {
	t.Parallel()
	conn, cat := connectRobustDB(t)
	for i, self := range aliasNames {
		prev := aliasNames[(i+len(aliasNames)-1)%len(aliasNames)]
		next := aliasNames[(i+1)%len(aliasNames)]
		sub := func(s string) string {
			return strings.NewReplacer("$self", self, "$prev", prev, "$next", next).Replace(s)
		}
		children := sub(`[{"id":1,"$next":[{"id":1},{"id":3}]},{"id":2,"$next":[{"id":2}]},{"id":3,"$next":[]}]`)
		cases := []struct {
			dbCase
			rpc bool
		}{
			{dbCase: dbCase{name: "to_many", req: req("GET", self, sub("select=id,$next(id)&order=id&$next.order=id")),
				want: children}},
			{dbCase: dbCase{name: "to_one", req: req("GET", self, sub("select=id,$prev(id)&order=id")),
				want: sub(`[{"id":1,"$prev":{"id":1}},{"id":2,"$prev":{"id":2}},{"id":3,"$prev":{"id":1}}]`)}},
			{dbCase: dbCase{name: "nested", req: req("GET", self, sub("select=id,$next(id,$self(id))&id=eq.2")),
				want: sub(`[{"id":2,"$next":[{"id":2,"$self":{"id":2}}]}]`)}},
			{dbCase: dbCase{name: "row_alias_as_name", req: req("GET", self,
				sub("select=id,pgrst_r1:$next(pgrst_r1:id),pgrst_r2:$prev(pgrst_r2:note)&id=eq.2")),
				want: `[{"id":2,"pgrst_r1":[{"pgrst_r1":2}],"pgrst_r2":{"pgrst_r2":"b"}}]`}},
			{dbCase: dbCase{name: "related_order", req: req("GET", self, sub("select=id,up:$prev(note)&order=up(note).desc,id")),
				want: `[{"id":2,"up":{"note":"b"}},{"id":1,"up":{"note":"a"}},{"id":3,"up":{"note":"a"}}]`}},
			{dbCase: dbCase{name: "spread", req: req("GET", self, sub("select=id,...$prev(up:note)&order=id")),
				want: `[{"id":1,"up":"a"},{"id":2,"up":"b"},{"id":3,"up":"a"}]`}},
			{dbCase: dbCase{name: "inner_count", req: with(req("GET", self, sub("select=id,$next!inner(id)&$next.id=eq.3")),
				exactCount), want: sub(`[{"id":1,"$next":[{"id":3}]}]`), total: n(1)}},
			{dbCase: dbCase{name: "embed_is_null", req: req("GET", self, sub("select=id,$next(id)&$next=is.null")),
				want: sub(`[{"id":3,"$next":[]}]`)}},
			{dbCase: dbCase{name: "estimated_count", req: with(req("GET", self, "select=id&id=gt.1&order=id"),
				func(r *Request) { r.Prefer.Count = "estimated"; r.MaxRows = 1 }),
				want: `[{"id":2}]`, total: n(2)}},
			{dbCase: dbCase{name: "patch", req: with(req("PATCH", self, sub("id=eq.2&select=id,note,$next(id)")),
				func(r *Request) { r.Body = []byte(`{"note":"x"}`); representation(r) }),
				want: sub(`[{"id":2,"note":"x","$next":[{"id":2}]}]`)}},
			{dbCase: dbCase{name: "patch_limited", req: with(req("PATCH", self, "id=gt.1&order=id.desc&limit=1&select=id,note"),
				func(r *Request) { r.Body = []byte(`{"note":"x"}`); representation(r) }),
				want: `[{"id":3,"note":"x"}]`}},
			{dbCase: dbCase{name: "delete_limited", req: with(req("DELETE", self, "id=gt.1&order=id.desc&limit=1&select=id"),
				representation), want: `[{"id":3}]`}},
			{dbCase: dbCase{name: "upsert", req: with(req("POST", self, "select=id,note"), func(r *Request) {
				r.Body = []byte(`[{"id":3,"note":"y"},{"id":4,"note":"z"}]`)
				r.Prefer.Resolution = "merge-duplicates"
				representation(r)
			}), want: `[{"id":3,"note":"y"},{"id":4,"note":"z"}]`}},
			{dbCase: dbCase{name: "upsert_nothing_new", req: with(req("POST", self, "select=id"), func(r *Request) {
				r.Body = []byte(`{"id":3,"note":"y"}`)
				r.Prefer.Resolution = "merge-duplicates"
				representation(r)
			}), want: `[{"id":3}]`, status: "200"}},
			{dbCase: dbCase{name: "put", req: with(req("PUT", self, "id=eq.3&select=id,note"), func(r *Request) {
				r.Body = []byte(`{"id":3,"parent":1,"note":"p"}`)
				representation(r)
			}), want: `[{"id":3,"note":"p"}]`, status: "200"}},
			{dbCase: dbCase{name: "rpc", req: call("GET", self, sub("select=id,$next(id)&order=id&$next.order=id"), ""),
				want: children}, rpc: true},
			{dbCase: dbCase{name: "rpc_count", req: with(call("GET", self, "select=id&id=gt.1", ""), exactCount),
				want: `[{"id":2},{"id":3}]`, total: n(2)}, rpc: true},
		}
		for _, c := range cases {
			t.Run(self+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				c.dbCase.name = self + "/" + c.name
				runRobust(t, connectTestDB(t), cat, c.dbCase, c.rpc)
			})
		}
	}
	_ = conn
}

// Two aliases longer than PostgreSQL's 63-byte identifiers that share
// their first 63 bytes: as column aliases both would be cut to the same
// name.
var (
	longA = strings.Repeat("k", 63) + "_a"
	longB = strings.Repeat("k", 63) + "_b"
)

// TestPostgresLongNames checks that output names longer than an
// identifier come back exact, at the top and in every kind of embed.
func TestPostgresLongNames(t *testing.T) {
	t.Parallel()
	conn, cat := connectRobustDB(t)
	sub := strings.NewReplacer("$A", longA, "$B", longB).Replace
	cases := []dbCase{
		{name: "top", req: req("GET", "pgrst_e1", sub("select=$A:id,$B:note&order=id")),
			want: sub(`[{"$A":1,"$B":"a"},{"$A":2,"$B":"b"},{"$A":3,"$B":null}]`)},
		{name: "to_many", req: req("GET", "pgrst_e1", sub("select=id,$A:pgrst_e2($B:id)&order=id&$A.order=id")),
			want: sub(`[{"id":1,"$A":[{"$B":1},{"$B":3}]},{"id":2,"$A":[{"$B":2}]},{"id":3,"$A":[]}]`)},
		{name: "to_one", req: req("GET", "pgrst_e2", sub("select=id,$A:pgrst_e1($B:note)&order=id")),
			want: sub(`[{"id":1,"$A":{"$B":"a"}},{"id":2,"$A":{"$B":"b"}},{"id":3,"$A":{"$B":"a"}}]`)},
		{name: "related_order", req: req("GET", "pgrst_e2", sub("select=id,up:pgrst_e1($B:note)&order=up(note).desc,id")),
			want: sub(`[{"id":2,"up":{"$B":"b"}},{"id":1,"up":{"$B":"a"}},{"id":3,"up":{"$B":"a"}}]`)},
		{name: "spread", req: req("GET", "pgrst_e2", sub("select=id,...pgrst_e1($A:note)&order=id")),
			want: sub(`[{"id":1,"$A":"a"},{"id":2,"$A":"b"},{"id":3,"$A":"a"}]`)},
		{name: "json_key", req: req("GET", "pgrst_e1", sub("select=id,doc->%22%22&id=eq.1")),
			want: `[{"id":1,"":"empty key"}]`},
		{name: "strip_nulls", req: with(req("GET", "pgrst_e1", sub("select=$A:id,$B:note&id=eq.3")),
			func(r *Request) { r.StripNulls = true }), want: sub(`[{"$A":3}]`)},
		{name: "object", req: with(req("GET", "pgrst_e1", sub("select=$A:id,$B:note&id=eq.2")),
			func(r *Request) { r.Media = MediaObject }), want: sub(`{"$A":2,"$B":"b"}`)},
		{name: "csv", req: with(req("GET", "pgrst_e1", sub("select=$A:id,$B:note&id=lt.3&order=id")),
			func(r *Request) { r.Media = MediaCSV }), want: sub("$A,$B\n1,a\n2,b")},
		{name: "representation", req: with(req("PATCH", "pgrst_e1", sub("id=eq.2&select=$A:note,pgrst_e2($B:id)")),
			func(r *Request) { r.Body = []byte(`{"note":"x"}`); representation(r) }),
			want: sub(`[{"$A":"x","pgrst_e2":[{"$B":2}]}]`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runRobust(t, connectTestDB(t), cat, c, false)
		})
	}
	_ = conn
}

// TestPostgresLongNamesWide checks long names on rows with more columns
// than one json_build_object call takes: every key comes back, in order,
// a repeated name included.
func TestPostgresLongNamesWide(t *testing.T) {
	t.Parallel()
	conn, cat := connectRobustDB(t)
	for _, stars := range []int{1, 2} {
		t.Run(strconv.Itoa(stars), func(t *testing.T) {
			r := req("GET", "wide", "select="+repeat("*", ",", stars)+","+longA+":id")
			r.Schema = "robust"
			plan, err := Build(cat, &r)
			if err != nil {
				t.Fatal(err)
			}
			var body string
			var x1, x2 any
			if err := conn.QueryRow(context.Background(), plan.SQL, plan.Args...).Scan(&x1, &x2, &body, &x1, &x2); err != nil {
				t.Fatalf("%v\n%s", err, plan.SQL)
			}

			// The keys in order, as the text has them.
			dec := json.NewDecoder(strings.NewReader(body))
			var keys []string
			depth := 0
			for {
				tok, err := dec.Token()
				if err != nil {
					break
				}
				switch v := tok.(type) {
				case json.Delim:
					if v == '{' || v == '[' {
						depth++
					} else {
						depth--
					}
				case string:
					if depth == 2 && dec.More() {
						keys = append(keys, v)
						_, _ = dec.Token() // the value
					}
				}
			}
			var want []string
			for range stars {
				want = append(want, "id")
				for i := 1; i <= wideColumns; i++ {
					want = append(want, "c"+strconv.Itoa(i))
				}
			}
			want = append(want, longA)
			if strings.Join(keys, ",") != strings.Join(want, ",") {
				t.Errorf("keys\n%v\nwant\n%v\nbody %s", keys, want, body)
			}
			var rows []map[string]any
			if err := json.Unmarshal([]byte(body), &rows); err != nil || len(rows) != 1 {
				t.Fatalf("body %s: %v", body, err)
			}
			if rows[0]["c60"] != float64(60) || rows[0][longA] != float64(0) {
				t.Errorf("row %v", rows[0])
			}
		})
	}
}

// TestPostgresLargestStatement runs a read at the size bounds: 1596
// columns of one relation and 50 order terms on distinct JSON paths, each
// an entry of the SELECT list; PostgreSQL takes at most 1664.
func TestPostgresLargestStatement(t *testing.T) {
	t.Parallel()
	conn := connectTestDB(t)
	terms := make([]string, 50)
	for i := range terms {
		terms[i] = "data->k" + strconv.Itoa(i)
	}
	r := req("GET", "posts", "select="+repeat("*", ",", 114)+"&order="+strings.Join(terms, ","))
	plan, err := Build(fixtureCatalog(), &r)
	if err != nil {
		t.Fatal(err)
	}
	var pageTotal int64
	var x any
	if err := conn.QueryRow(context.Background(), plan.SQL, plan.Args...).Scan(&pageTotal, &x, &x, &x, &x); err != nil {
		t.Fatalf("query: %v", err)
	}
	if pageTotal != 3 {
		t.Errorf("page_total %d, want 3", pageTotal)
	}
}

// TestPostgresNULValues checks what PostgreSQL does with a NUL in a value,
// which Build binds as it is: it refuses it with SQLSTATE 22021, a class
// 22 error the gateway answers with 400. A NUL escaped in a JSON body is
// refused with 22P05, also class 22.
func TestPostgresNULValues(t *testing.T) {
	t.Parallel()
	conn := connectTestDB(t)
	runDBCases(t, conn, []dbCase{
		{name: "eq", req: get("select=id&title=eq.a%00b"), errCode: "22021"},
		{name: "in", req: get("select=id&title=in.(x,a%00b)"), errCode: "22021"},
		{name: "like any", req: get("select=id&title=like(any).{a%00b}"), errCode: "22021"},
		{name: "logic", req: get("select=id&or=(title.eq.a%00b,id.eq.1)"), errCode: "22021"},
		{name: "invalid utf8", req: get("select=id&title=eq.a%FFb"), errCode: "22021"},
		{name: "body", req: with(req("POST", "posts", ""), func(r *Request) {
			r.Body = []byte(`{"title":"a\u0000b"}`)
		}), errCode: "22P05"},
	})
}
