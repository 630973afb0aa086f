package querybuilder

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	f := func(name string, path ...JSONOp) Field { return Field{Name: name, Path: path} }
	key := func(k string) JSONOp { return JSONOp{Key: k} }
	tkey := func(k string) JSONOp { return JSONOp{Text: true, Key: k} }
	idx := func(i int) JSONOp { return JSONOp{Index: i, IsIndex: true} }
	leaf := func(fl Filter) LogicTree { return LogicTree{Filter: &fl} }

	tests := []struct {
		raw  string
		want Query
	}{
		{"", Query{}},
		{"id=noop.1&x=5&y=", Query{Unknown: []string{"id=noop.1", "x=5", "y="}}},
		{"select=*", Query{Select: []SelectItem{{Star: true}}}},
		{"select=id,t:title,data->a->>b,x:data->0::text,*", Query{Select: []SelectItem{
			{Field: f("id")},
			{Field: f("title"), Alias: "t"},
			{Field: f("data", key("a"), tkey("b"))},
			{Field: f("data", idx(0)), Alias: "x", Cast: "text"},
			{Star: true},
		}}},
		{"select=" + "id,%20name%20,price::Double%20Precision", Query{Select: []SelectItem{
			{Field: f("id")}, {Field: f("name")}, {Field: f("price"), Cast: "double precision"},
		}}},
		{"select=a->-1,b->>-2", Query{Select: []SelectItem{
			{Field: f("a", idx(-1))}, {Field: f("b", JSONOp{Text: true, Index: -2, IsIndex: true})},
		}}},
		{`select="a,b":"c\"d"`, Query{Select: []SelectItem{{Alias: "a,b", Field: f(`c"d`)}}}},
		{"select=id,author:users!fk_author!inner(id,name),...tags(*)", Query{Select: []SelectItem{
			{Field: f("id")},
			{Alias: "author", Relation: "users", Hint: "fk_author", JoinType: "inner",
				Children: []SelectItem{{Field: f("id")}, {Field: f("name")}}},
			{Relation: "tags", Spread: true, Children: []SelectItem{{Star: true}}},
		}}},
		{"select=count(),views.sum()", Query{Select: []SelectItem{
			{Aggregate: "count"}, {Field: f("views"), Aggregate: "sum"},
		}}},
		{"id=eq.5&name=not.like.a*b&x=5", Query{Filters: []Filter{
			{Field: f("id"), Op: "eq", Value: "5"},
			{Field: f("name"), Op: "like", Negate: true, Value: "a*b"},
		}, Unknown: []string{"x=5"}}},
		{"a=eq.&b=eq.x.y.z&c=gte.2024-01-01T00:00:00%2B00:00", Query{Filters: []Filter{
			{Field: f("a"), Op: "eq", Value: ""},
			{Field: f("b"), Op: "eq", Value: "x.y.z"},
			{Field: f("c"), Op: "gte", Value: "2024-01-01T00:00:00+00:00"},
		}}},
		{"t=eq.a+b%2Bc", Query{Filters: []Filter{{Field: f("t"), Op: "eq", Value: "a b+c"}}}},
		{`id=in.(1,"2,3",%20"a\"b"%20,)`, Query{Filters: []Filter{
			{Field: f("id"), Op: "in", List: []string{"1", "2,3", ` "a\"b" `, ""}},
		}}},
		{`id=in.("x\\y",z)&e=in.()`, Query{Filters: []Filter{
			{Field: f("id"), Op: "in", List: []string{`x\y`, "z"}},
			{Field: f("e"), Op: "in", List: []string{}},
		}}},
		{"a=is.NULL&b=not.is.true&c=is.not_null&d=is.unknown", Query{Filters: []Filter{
			{Field: f("a"), Op: "is", Value: "null"},
			{Field: f("b"), Op: "is", Negate: true, Value: "true"},
			{Field: f("c"), Op: "is", Value: "not_null"},
			{Field: f("d"), Op: "is", Value: "unknown"},
		}}},
		{"s=fts(english).a%20%26%20b&t=wfts.x&u=not.plfts(simple).y&v=phfts.z", Query{Filters: []Filter{
			{Field: f("s"), Op: "fts", Language: "english", Value: "a & b"},
			{Field: f("t"), Op: "wfts", Value: "x"},
			{Field: f("u"), Op: "plfts", Negate: true, Language: "simple", Value: "y"},
			{Field: f("v"), Op: "phfts", Value: "z"},
		}}},
		{"n=like(any).{a*,b*}&m=eq(all).{1,2}&k=isdistinct.3", Query{Filters: []Filter{
			{Field: f("n"), Op: "like", Quantifier: "any", Value: "{a*,b*}"},
			{Field: f("m"), Op: "eq", Quantifier: "all", Value: "{1,2}"},
			{Field: f("k"), Op: "isdistinct", Value: "3"},
		}}},
		{"r=cs.{1,2}&r=cd.{1}&r=ov.[1,2)&r=sl.(1,2)&r=sr.x&r=nxr.x&r=nxl.x&r=adj.x&r=match.^a&r=imatch.b$", Query{
			Filters: []Filter{
				{Field: f("r"), Op: "cs", Value: "{1,2}"}, {Field: f("r"), Op: "cd", Value: "{1}"},
				{Field: f("r"), Op: "ov", Value: "[1,2)"}, {Field: f("r"), Op: "sl", Value: "(1,2)"},
				{Field: f("r"), Op: "sr", Value: "x"}, {Field: f("r"), Op: "nxr", Value: "x"},
				{Field: f("r"), Op: "nxl", Value: "x"}, {Field: f("r"), Op: "adj", Value: "x"},
				{Field: f("r"), Op: "match", Value: "^a"}, {Field: f("r"), Op: "imatch", Value: "b$"},
			}}},
		{"data->>a=eq.x&data->b->0=gt.1", Query{Filters: []Filter{
			{Field: f("data", tkey("a")), Op: "eq", Value: "x"},
			{Field: f("data", key("b"), idx(0)), Op: "gt", Value: "1"},
		}}},
		{"or=(a.eq.1,b.gt.2)", Query{Logic: []LogicTree{{Or: true, Children: []LogicTree{
			leaf(Filter{Field: f("a"), Op: "eq", Value: "1"}),
			leaf(Filter{Field: f("b"), Op: "gt", Value: "2"}),
		}}}}},
		{`not.and=(a.eq."x,y)",or(b.in.(1,2),not.and(c.cs.{1,2},d->>e.not.is.null)))`, Query{Logic: []LogicTree{{
			Negate: true,
			Children: []LogicTree{
				leaf(Filter{Field: f("a"), Op: "eq", Value: "x,y)"}),
				{Or: true, Children: []LogicTree{
					leaf(Filter{Field: f("b"), Op: "in", List: []string{"1", "2"}}),
					{Negate: true, Children: []LogicTree{
						leaf(Filter{Field: f("c"), Op: "cs", Value: "{1,2}"}),
						leaf(Filter{Field: f("d", tkey("e")), Op: "is", Negate: true, Value: "null"}),
					}},
				}},
			},
		}}}},
		{"and=(a.like(any).{x*,y*},b.fts(english).cat)", Query{Logic: []LogicTree{{Children: []LogicTree{
			leaf(Filter{Field: f("a"), Op: "like", Quantifier: "any", Value: "{x*,y*}"}),
			leaf(Filter{Field: f("b"), Op: "fts", Language: "english", Value: "cat"}),
		}}}}},
		{"order=a.desc.nullslast,b,data->x.asc,c.nullsfirst", Query{Order: []OrderTerm{
			{Field: f("a"), Direction: "desc", Nulls: "nullslast"},
			{Field: f("b")},
			{Field: f("data", key("x")), Direction: "asc"},
			{Field: f("c"), Nulls: "nullsfirst"},
		}}},
		{"order=rel(x).desc", Query{Order: []OrderTerm{{Relation: "rel", Field: f("x"), Direction: "desc"}}}},
		{"limit=10&offset=5&limit=3", Query{Limit: 3, Offset: 5}},
		{"columns=a,b&on_conflict=a&columns=c", Query{Columns: []string{"a", "b"}, OnConflict: []string{"a"}}},
		{"select=id&select=x&flag&rpcarg=1", Query{Select: []SelectItem{{Field: f("id")}}, Unknown: []string{"rpcarg=1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := ParseQuery(tt.raw)
			if err != nil {
				t.Fatalf("ParseQuery: %v", err)
			}
			want := tt.want
			if want.Limit == 0 && want.Offset == 0 {
				want.Limit, want.Offset = -1, -1
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw    string
		code   string
		status int
	}{
		{"a.b=noop.0", "PGRST100", 400},
		{"id=eq(x", "PGRST100", 400},
		{"id=eq", "PGRST100", 400},
		{"id=not.eq", "PGRST100", 400},
		{"id=in.1,2", "PGRST100", 400},
		{"id=in.(1,2", "PGRST100", 400},
		{"id=is.maybe", "PGRST100", 400},
		{"id=fts(english.x", "PGRST100", 400},
		{"id=neq(any).{1}", "PGRST100", 400},
		{"id=eq(some).{1}", "PGRST100", 400},
		{"select=", "PGRST100", 400},
		{"select=id,", "PGRST100", 400},
		{"select=name::", "PGRST100", 400},
		{"select=name::te-xt", "PGRST100", 400},
		{"select=name::text;drop", "PGRST100", 400},
		{"select=a!hint", "PGRST100", 400},
		{"select=rel(id", "PGRST100", 400},
		{"select=x.bogus()", "PGRST100", 400},
		{"select=data->>-78xy", "PGRST100", 400},
		{"order=id.ac", "PGRST100", 400},
		{"order=id.descc", "PGRST100", 400},
		{"order=id.asc.nlsfst", "PGRST100", 400},
		{"order=", "PGRST100", 400},
		{"or=()", "PGRST100", 400},
		{"or=(id.in.1,2,id.eq.3)", "PGRST100", 400},
		{"or=)(", "PGRST100", 400},
		{"and=(ord(id.eq.1),id.eq.2)", "PGRST100", 400},
		{"or=(id.eq.1,not.xor(id.eq.2))", "PGRST100", 400},
		{"or=(id.eq.1", "PGRST100", 400},
		{"or=(id.eq.1)x", "PGRST100", 400},
		{"limit=abc", "PGRST100", 400},
		{"limit=-1", "PGRST100", 400},
		{"offset=1.5", "PGRST100", 400},
		{"id=eq.%zz", "PGRST100", 400},
		{"columns=a,,b", "PGRST100", 400},
		{"clients.id=xx.1", "PGRST100", 400},
		{"clients.or=(a.eq.1", "PGRST100", 400},
		{"clients.order=id.up", "PGRST100", 400},
		{"clients.limit=x", "PGRST100", 400},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			_, err := ParseQuery(tt.raw)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseQuery(%q) = %v, want *Error", tt.raw, err)
			}
			if e.Code != tt.code || e.Status != tt.status {
				t.Errorf("got %d %s %q, want %d %s", e.Status, e.Code, e.Message, tt.status, tt.code)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := ParseQuery("a.b=noop.0")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	if want := `"failed to parse filter (noop.0)" (line 1, column 1)`; e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
	if want := "unknown single value operator noop"; e.Details != want {
		t.Errorf("details %q, want %q", e.Details, want)
	}
}
