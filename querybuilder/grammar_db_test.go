package querybuilder

import (
	"context"
	"errors"
	"testing"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// aggs enables aggregates on a request.
func aggs(r *Request) { r.AggregatesEnabled = true }

func TestPostgresAggregatesAndStatus(t *testing.T) {
	t.Parallel()
	conn := connectTestDB(t)
	runDBCases(t, conn, []dbCase{
		{name: "count all", req: with(get("select=count()"), aggs), want: `[{"count":3}]`},
		{name: "sum grouped", req: with(get("select=published,views.sum()&order=published"), aggs),
			want: `[{"published":false,"sum":20},{"published":true,"sum":10},{"published":null,"sum":null}]`},
		{name: "alias and cast", req: with(get("select=total:views.sum()::text"), aggs), want: `[{"total":"30"}]`},
		{name: "avg min max", req: with(get("select=a:views.avg()::int,views.min(),views.max()"), aggs),
			want: `[{"a":15,"min":10,"max":20}]`},
		{name: "count of column", req: with(get("select=views.count()"), aggs), want: `[{"count":2}]`},
		{name: "json path grouped", req: with(get("select=data->a->>b,count()&order=data->a->>b"), aggs),
			want: `[{"b":"x","count":1},{"b":"y","count":1},{"b":null,"count":1}]`},
		{name: "count exact counts groups", req: with(get("select=mood,count()&limit=1"), func(r *Request) {
			aggs(r)
			r.Prefer.Count = "exact"
		}), pageTotal: n(1), total: n(3), wantSQL: "SELECT json_agg(x)::text FROM (SELECT mood, count(*) " +
			"FROM posts GROUP BY 1 LIMIT 1) x"},
		{name: "filters before grouping", req: with(get("select=count()&views=gt.15"), aggs), want: `[{"count":1}]`},
		{name: "keyword casts", req: get("select=id::text,v:views::double%20precision,c:created_at::timestamp%20with%20time%20zone&id=eq.2"),
			want: `[{"id":"2","v":20,"c":"2024-02-01T00:00:00+00:00"}]`},
		{name: "unknown cast type", req: get("select=id::nosuchtype"), errCode: "42704"},
		{name: "nulls stripped", req: with(get("select=id,views,data&id=eq.3"), func(r *Request) { r.StripNulls = true }),
			want: `[{"id":3}]`},
		{name: "nulls stripped object", req: with(get("select=id,views&id=eq.3"), func(r *Request) {
			r.StripNulls, r.Media = true, MediaObject
		}), want: `{"id":3}`},
		{name: "upsert inserting answers no status", req: with(req("POST", "pairs", "select=a"), func(r *Request) {
			r.Body = []byte(`[{"a":1,"b":"x"},{"a":7,"b":"n"}]`)
			r.Prefer.Resolution, r.Prefer.Return = "merge-duplicates", "representation"
		}), want: `[{"a":1},{"a":7}]`},
		{name: "put insert representation", req: with(req("PUT", "pairs", "a=eq.5&b=eq.q"), func(r *Request) {
			r.Body = []byte(`{"a":5,"b":"q","note":"new"}`)
			r.Prefer.Return = "representation"
		}), want: `[{"a":5,"b":"q","note":"new"}]`, status: "201"},
		{name: "put insert minimal", req: with(req("PUT", "pairs", "a=eq.5&b=eq.q"), func(r *Request) {
			r.Body = []byte(`{"a":5,"b":"q"}`)
		}), want: "<null>", pageTotal: n(1)},
		{name: "aggregate representation", req: with(req("PATCH", "posts", "select=count()&views=gt.0"), func(r *Request) {
			aggs(r)
			r.Body = []byte(`{"views":1}`)
			r.Prefer.Return = "representation"
		}), want: `[{"count":2}]`},
	})
}

func TestBuildErrorsOfGrammar(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	cases := []struct {
		name   string
		req    Request
		status int
		code   string
	}{
		{"aggregates disabled", get("select=count()"), 400, "PGRST123"},
		{"aggregate disabled in list", get("select=id,views.sum()"), 400, "PGRST123"},
		{"two-word cast that is no type", get("select=id::int%20or%201"), 400, "PGRST100"},
		{"unknown content type", with(req("POST", "posts", ""), func(r *Request) {
			r.ContentType, r.Body = "application/xml", []byte("<a/>")
		}), 400, "PGRST102"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(cat, &c.req)
			var e *Error
			if !errors.As(err, &e) || e.Status != c.status || e.Code != c.code {
				t.Fatalf("Build = %v, want %d %s", err, c.status, c.code)
			}
		})
	}
}

// TestPostgresCountEstimates checks planned and estimated counts against
// a table whose statistics differ from its contents: after ANALYZE of
// 1000 rows, 500 are deleted without a vacuum, so the planner still
// estimates 1000 while the exact count is 500.
func TestPostgresCountEstimates(t *testing.T) {
	t.Parallel()
	conn := connectTestDB(t)
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, stmt := range []string{
		"CREATE TABLE est (id integer PRIMARY KEY, pad text)",
		"INSERT INTO est SELECT g, repeat('x', 50) FROM generate_series(1, 1000) g",
		"ANALYZE est",
		"DELETE FROM est WHERE id > 500",
		"CREATE TABLE est_rls (id integer)",
		"INSERT INTO est_rls SELECT generate_series(1, 100)",
		"ANALYZE est_rls",
		"DELETE FROM est_rls WHERE id > 10",
		"ALTER TABLE est_rls ENABLE ROW LEVEL SECURITY",
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	cat := catalog.New([]string{"public"})
	for _, name := range []string{"est", "est_rls"} {
		cat.Add(&catalog.Table{Schema: "public", Name: name, Columns: []*catalog.Column{{Name: "id", Type: "integer"}}})
	}

	var estimate int64
	if err := tx.QueryRow(ctx, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'est'").Scan(&estimate); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, table, query, count string
		maxRows                   int64
		want                      int64
	}{
		{"exact", "est", "", "exact", 0, 500},
		{"planned", "est", "", "planned", 0, estimate},
		{"planned filtered falls back to exact", "est", "id=lte.5", "planned", 0, 5},
		{"planned under RLS is exact", "est_rls", "", "planned", 0, 10},
		{"estimated below max rows is exact", "est", "id=lte.5", "estimated", 10, 5},
		{"estimated above max rows is planned", "est", "", "estimated", 10, estimate},
		{"estimated within max rows", "est", "", "estimated", 600, 500},
		{"estimated without max rows", "est", "", "estimated", 0, 500},
	}
	for _, c := range cases {
		r := req("GET", c.table, c.query)
		r.Prefer.Count, r.MaxRows = c.count, c.maxRows
		plan, err := Build(cat, &r)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var page, total int64
		var body, headers, status *string
		if err := tx.QueryRow(ctx, plan.SQL, plan.Args...).Scan(&page, &total, &body, &headers, &status); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, plan.SQL)
		}
		if total != c.want {
			t.Errorf("%s: total %d, want %d", c.name, total, c.want)
		}
	}
	if estimate < 900 {
		t.Errorf("planner estimate %d, want about 1000", estimate)
	}
}
