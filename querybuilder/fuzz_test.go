package querybuilder

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// fuzzSeed is one input of FuzzBuild.
type fuzzSeed struct {
	query  string
	body   []byte
	method uint8
	table  uint8
	prefer string
}

var (
	fuzzMethods = []string{"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"}
	fuzzTables  = []string{"posts", "pairs", `odd "name?`, "post_titles"}
)

// request turns a seed into a request on the fixture catalog.
func (s fuzzSeed) request() Request {
	r := req(fuzzMethods[int(s.method)%len(fuzzMethods)], fuzzTables[int(s.table)%len(fuzzTables)], s.query)
	r.Body = s.body
	r.Prefer = ParsePrefer([]string{s.prefer})
	r.Media = Media(int(s.method/8) % 3)
	// The table byte's high bits switch on aggregates and db-max-rows.
	r.AggregatesEnabled = s.table&0x40 != 0
	r.MaxRows = int64(s.table>>7) * 50
	return r
}

// addFuzzSeeds gives f the seed corpus: query, body, method, table, prefer.
func addFuzzSeeds(f *testing.F) {
	seeds, _ := fuzzSeeds()
	for _, s := range seeds {
		f.Add(s.query, s.body, s.method, s.table, s.prefer)
	}
}

// fuzzSeeds are the golden cases (first goldenSeeds of them) plus inputs
// aimed at the parsers' edges.
func fuzzSeeds() (seeds []fuzzSeed, goldenSeeds int) {
	for _, group := range []string{"select", "filters", "logic", "order", "writes"} {
		for _, c := range goldenGroups[group] {
			m := uint8(0)
			for i, name := range fuzzMethods {
				if name == c.req.Method {
					m = uint8(i)
				}
			}
			tb := uint8(0)
			for i, name := range fuzzTables {
				if name == c.req.Resource {
					tb = uint8(i)
				}
			}
			seeds = append(seeds, fuzzSeed{query: c.req.RawQuery, body: c.req.Body, method: m + 8*uint8(c.req.Media), table: tb,
				prefer: "return=representation,count=exact"})
		}
	}
	goldenSeeds = len(seeds)
	for _, q := range []string{
		"select=data->>-78xy", "or=(a.eq.1,and(b.eq.2,or(c.eq.3", `id=in.("\`, "order=id.desc.nullsfirst,",
		"select=a:b:c", "select=*,*", "id=eq(any).{", "and=(id.like(all).{\"a\",b})", "select=id::", "limit=99999999999999999999",
		"id=is.", "id=not.not.eq.1", "select=\"", "order=data->>-1.desc", "or=(id.eq.\"a\"b,id.eq.1)", "select=%ff%fe",
		"title=fts().x", "select=x!inner!left!h(*)", "id=in.(\"a\"\"b\")", "not.or=(not.and(not.or(id.eq.1)))",
	} {
		seeds = append(seeds, fuzzSeed{query: q, table: 0})
		seeds = append(seeds, fuzzSeed{query: q, method: 3, body: []byte(`{"title":"x"}`)})
	}
	// Aggregates, counts and the statuses writes decide for themselves.
	for _, s := range []fuzzSeed{
		{query: "select=count()", table: 0x40, prefer: "count=estimated"},
		{query: "select=mood,views.sum()::text,data->>a,n:views.avg()&order=data->>a.desc", table: 0xc0, prefer: "count=exact"},
		{query: "select=views.max(),views.min(),views.count()&views=gt.1", table: 0x40, prefer: "count=planned"},
		{query: "select=id::double%20precision,created_at::timestamp%20with%20time%20zone", prefer: "count=estimated"},
		{query: "select=id::int%20or%201"},
		{query: "select=a,note&on_conflict=a,b", method: 2, table: 1, body: []byte(`[{"a":1,"b":"x","note":"y"}]`),
			prefer: "resolution=ignore-duplicates,return=representation"},
		{query: "a=eq.1&b=eq.x", method: 4, table: 1, body: []byte(`{"a":1,"b":"x"}`), prefer: "return=representation"},
		{query: "select=count()", method: 3, table: 0x40, body: []byte(`{"views":1}`), prefer: "return=representation"},
	} {
		seeds = append(seeds, s)
	}
	return seeds, goldenSeeds
}

var placeholderRE = regexp.MustCompile(`\$([0-9]+)`)

// FuzzBuild checks that Build never panics, returns only *Error values,
// that every statement numbers its placeholders 1..len(Args), holds no
// literal but the builder's own and the catalog's (values are bound), and
// that PostgreSQL parses it (when the test database is reachable).
func FuzzBuild(f *testing.F) {
	addFuzzSeeds(f)
	cat := fixtureCatalog()
	f.Fuzz(func(t *testing.T, query string, body []byte, method, table uint8, prefer string) {
		r := fuzzSeed{query, body, method, table, prefer}.request()
		plan, err := Build(cat, &r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Code == "" || e.Code == "PGRSTX00" {
				t.Fatalf("Build(%q) = %v, want a request error", query, err)
			}
			return
		}
		checkPlaceholders(t, plan)
		checkBoundOnly(t, cat, plan)
		checkParses(t, plan)
	})
}

// checkPlaceholders asserts that the statement uses exactly $1..$n with
// n = len(Args), and only argument types the builder produces.
func checkPlaceholders(t *testing.T, plan *Plan) {
	t.Helper()
	used := map[int]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(plan.SQL, -1) {
		n, _ := strconv.Atoi(m[1])
		used[n] = true
	}
	if len(used) != len(plan.Args) {
		t.Fatalf("%d placeholders for %d args:\n%s", len(used), len(plan.Args), plan.SQL)
	}
	for i := 1; i <= len(plan.Args); i++ {
		if !used[i] {
			t.Fatalf("$%d unused:\n%s", i, plan.SQL)
		}
	}
	for _, a := range plan.Args {
		switch a.(type) {
		case string, []string, int64:
		default:
			t.Fatalf("argument of type %T", a)
		}
	}
}

// TestSeedStatementsPrepare proves that the seed statements are valid
// PostgreSQL: the server parses and analyzes each (PREPARE) without running
// it. Golden cases must prepare cleanly. The other seeds may ask for
// something the column types do not allow (like on an integer), which
// PostgreSQL reports as it would for PostgREST, but never a syntax or
// parameter error, which would be the builder's fault.
func TestSeedStatementsPrepare(t *testing.T) {
	t.Parallel()
	conn := connectTestDB(t)
	cat := fixtureCatalog()
	ctx := context.Background()
	builderFaults := map[string]bool{"42601": true, "42P18": true, "42P08": true, "42P02": true, "08P01": true}
	seeds, golden := fuzzSeeds()
	built := 0
	for i, s := range seeds {
		r := s.request()
		plan, err := Build(cat, &r)
		if err != nil {
			continue
		}
		built++
		checkPlaceholders(t, plan)
		_, err = conn.Prepare(ctx, "", plan.SQL)
		var pgErr *pgconn.PgError
		if err != nil && (i < golden || !errors.As(err, &pgErr) || builderFaults[pgErr.Code]) {
			t.Errorf("seed %d (%s ?%s): %v\n%s", i, r.Method, r.RawQuery, err, plan.SQL)
		}
	}
	if built < 50 {
		t.Errorf("only %d seeds built", built)
	}
}
