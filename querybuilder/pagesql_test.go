package querybuilder

import (
	"testing"

	sq "github.com/Masterminds/squirrel"
)

// TestNumberedWriterMatchesSquirrel checks the one-pass numbering against
// squirrel's, which it replaces on the hot path.
func TestNumberedWriterMatchesSquirrel(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "SELECT 1", "?", "??", "???", "a = ? AND b = ?", "j ?? 'k' AND x = ?",
		"?? ?", "? ??", "end?", "?end", "x = ?::text || '??' || ?",
	} {
		want, err := sq.Dollar.ReplacePlaceholders(in)
		if err != nil {
			t.Fatal(err)
		}
		w := sqlWriter{numbered: true}
		w.frag(rawf(in))
		if got := string(w.buf); got != want {
			t.Errorf("numbered %q = %q, squirrel says %q", in, got, want)
		}
	}
}

// TestPageQueryMatchesSquirrel renders pages with every clause against
// the squirrel builder they replace.
func TestPageQueryMatchesSquirrel(t *testing.T) {
	t.Parallel()
	cols := []frag{rawf(`"t"."a" AS "a"`), argf(`? AS "b"`, 7), rawf("")}
	cases := []pageQuery{
		{from: `"s"."t"`, columns: cols[:1], limit: -1},
		{from: `"s"."t"`, columns: cols, limit: 20, offset: 40,
			joins:   []frag{argf("LEFT JOIN x ON x.id = ?", 1), rawf("CROSS JOIN y")},
			where:   []frag{argf(`"t"."a" = ?`, "k"), rawf(""), rawf("true")},
			groupBy: []string{"1", "2"},
			orderBy: []frag{rawf(`"t"."a" DESC`), argf("? ASC", 3)}},
		{from: `"s"."t"`, columns: []frag{rawf(""), rawf("1")}, where: []frag{rawf(""), rawf("x")}, limit: 0},
		{from: `"s"."odd ??name"`, columns: []frag{rawf(`"t"."k??" AS "k??"`)}, groupBy: []string{"1"}, limit: -1},
	}
	for i, p := range cases {
		want := sq.Select().From(p.from)
		for _, c := range p.columns {
			want = want.Column(c)
		}
		for _, j := range p.joins {
			want = want.JoinClause(j)
		}
		for _, w := range p.where {
			want = want.Where(w)
		}
		want = want.GroupBy(p.groupBy...)
		for _, o := range p.orderBy {
			want = want.OrderByClause(o)
		}
		if p.limit >= 0 {
			want = want.Limit(uint64(p.limit))
		}
		if p.offset > 0 {
			want = want.Offset(uint64(p.offset))
		}
		wantSQL, wantArgs, err := want.ToSql()
		if err != nil {
			t.Fatal(err)
		}
		gotSQL, gotArgs, err := p.ToSql()
		if err != nil {
			t.Fatal(err)
		}
		if gotSQL != wantSQL || len(gotArgs) != len(wantArgs) {
			t.Errorf("case %d:\n got %q %v\nwant %q %v", i, gotSQL, gotArgs, wantSQL, wantArgs)
			continue
		}
		for j := range gotArgs {
			if gotArgs[j] != wantArgs[j] {
				t.Errorf("case %d: arg %d = %v, want %v", i, j, gotArgs[j], wantArgs[j])
			}
		}
		if b, _, _ := p.builder().ToSql(); b == "" {
			t.Errorf("case %d: builder renders nothing", i)
		}

		// The statement around the page, from the page and from squirrel.
		outer := []frag{rawf("count(*)"), argf("? AS x", "o")}
		prefix := sq.Expr("WITH w AS (SELECT ?::int)", 5)
		gotSQL, gotArgs, err = outerSelect(prefix, outer, &p, "pgrst_t")
		if err != nil {
			t.Fatal(err)
		}
		wantSQL, wantArgs, err = outerSelect(prefix, outer, want, "pgrst_t")
		if err != nil {
			t.Fatal(err)
		}
		if gotSQL != wantSQL || len(gotArgs) != len(wantArgs) {
			t.Errorf("case %d outer:\n got %q %v\nwant %q %v", i, gotSQL, gotArgs, wantSQL, wantArgs)
		}
	}
	if _, _, err := (&pageQuery{from: "t", limit: -1}).ToSql(); err == nil {
		t.Error("a page without columns rendered")
	}
}
