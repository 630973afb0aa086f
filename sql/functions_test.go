package pgsql_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/rowgate/rowgate/querybuilder/catalog"
	pgsql "github.com/rowgate/rowgate/sql"
	"github.com/rowgate/rowgate/sql/pgtest"
)

const functionsFixture = `
CREATE SCHEMA api;
CREATE SCHEMA hidden;
CREATE TABLE api.items (id int PRIMARY KEY, name text NOT NULL);
COMMENT ON COLUMN api.items.name IS 'what it is called';
CREATE TYPE api.pair AS (a int, b text);
CREATE FUNCTION api.add(a integer, b integer DEFAULT 1) RETURNS integer
  LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
CREATE FUNCTION api.add(a text, b text) RETURNS text LANGUAGE sql STABLE AS 'SELECT a || b';
CREATE FUNCTION api.items_by(min_id int) RETURNS SETOF api.items
  LANGUAGE sql STABLE AS 'SELECT * FROM api.items WHERE id >= min_id';
CREATE FUNCTION api.tab(n int) RETURNS TABLE (x int, y text)
  LANGUAGE sql AS 'SELECT g, g::text FROM generate_series(1, n) g';
CREATE FUNCTION api.outs(IN a int, OUT dbl int, INOUT c text) LANGUAGE sql AS 'SELECT a * 2, c';
CREATE FUNCTION api.one_out(a int, OUT r int) LANGUAGE sql AS 'SELECT a';
CREATE FUNCTION api.vari(VARIADIC xs text[]) RETURNS int LANGUAGE sql AS 'SELECT cardinality(xs)';
CREATE FUNCTION api.nothing() RETURNS void LANGUAGE sql AS '';
CREATE FUNCTION api.body(json) RETURNS json LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION api.mkpair() RETURNS api.pair LANGUAGE sql AS 'SELECT 1, ''x''';
CREATE FUNCTION api.trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE AGGREGATE api.agg(int) (sfunc = int4pl, stype = int);
CREATE PROCEDURE api.proc() LANGUAGE sql AS '';
CREATE FUNCTION hidden.secret() RETURNS int LANGUAGE sql AS 'SELECT 1';
COMMENT ON FUNCTION api.nothing() IS 'does nothing';
`

func TestLoadFunctions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn := db.Admin(t)
	if _, err := conn.Exec(ctx, functionsFixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	cat, err := pgsql.LoadCatalog(ctx, conn, []string{"api"})
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}

	// Triggers, aggregates, procedures and other schemas are left out.
	var names []string
	count := 0
	for n, fns := range cat.Functions {
		names = append(names, n.Name)
		count += len(fns)
	}
	if count != 10 {
		t.Errorf("got %d functions %v, want 10", count, names)
	}
	for _, name := range []string{"trg", "agg", "proc", "secret"} {
		if len(cat.Overloads("api", name)) != 0 || len(cat.Overloads("hidden", name)) != 0 {
			t.Errorf("%s is listed", name)
		}
	}

	in := func(name, typ string, def bool) catalog.Arg {
		return catalog.Arg{Name: name, Type: typ, HasDefault: def, Mode: catalog.ArgIn}
	}
	cols := func(pairs ...string) []catalog.Column {
		var out []catalog.Column
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, catalog.Column{Name: pairs[i], Type: pairs[i+1], Nullable: true})
		}
		return out
	}
	tests := []struct {
		name       string
		overload   int
		args       []catalog.Arg
		ret        string
		set        bool
		returns    catalog.ReturnKind
		columns    []catalog.Column
		volatility catalog.Volatility
		comment    string
	}{
		{name: "add", args: []catalog.Arg{in("a", "integer", false), in("b", "integer", true)},
			ret: "integer", volatility: catalog.VolatilityImmutable},
		{name: "add", overload: 1, args: []catalog.Arg{in("a", "text", false), in("b", "text", false)},
			ret: "text", volatility: catalog.VolatilityStable},
		{name: "items_by", args: []catalog.Arg{in("min_id", "integer", false)}, ret: "api.items", set: true,
			returns: catalog.ReturnComposite, volatility: catalog.VolatilityStable,
			columns: []catalog.Column{{Name: "id", Type: "integer"},
				{Name: "name", Type: "text", Comment: "what it is called"}}},
		{name: "tab", args: []catalog.Arg{in("n", "integer", false)}, ret: "record", set: true,
			returns: catalog.ReturnComposite, columns: cols("x", "integer", "y", "text"),
			volatility: catalog.VolatilityVolatile},
		{name: "outs", args: []catalog.Arg{in("a", "integer", false),
			{Name: "c", Type: "text", Mode: catalog.ArgInOut}}, ret: "record",
			returns: catalog.ReturnComposite, columns: cols("dbl", "integer", "c", "text"),
			volatility: catalog.VolatilityVolatile},
		{name: "one_out", args: []catalog.Arg{in("a", "integer", false)}, ret: "integer",
			volatility: catalog.VolatilityVolatile},
		{name: "vari", args: []catalog.Arg{{Name: "xs", Type: "text[]", Variadic: true, Mode: catalog.ArgVariadic}},
			ret: "integer", volatility: catalog.VolatilityVolatile},
		{name: "nothing", ret: "void", returns: catalog.ReturnVoid, volatility: catalog.VolatilityVolatile,
			comment: "does nothing"},
		{name: "body", args: []catalog.Arg{in("", "json", false)}, ret: "json",
			volatility: catalog.VolatilityVolatile},
		{name: "mkpair", ret: "api.pair", returns: catalog.ReturnComposite, columns: cols("a", "integer", "b", "text"),
			volatility: catalog.VolatilityVolatile},
	}
	for _, tt := range tests {
		fns := cat.Overloads("api", tt.name)
		if len(fns) <= tt.overload {
			t.Errorf("%s: %d overloads", tt.name, len(fns))
			continue
		}
		f := fns[tt.overload]
		var gotCols []catalog.Column
		for _, c := range f.Columns {
			gotCols = append(gotCols, *c)
		}
		if len(f.Args) == 0 {
			f.Args = nil
		}
		if f.OID == 0 || f.ReturnType != tt.ret || f.ReturnsSet != tt.set || f.Returns != tt.returns ||
			f.Volatility != tt.volatility || f.Comment != tt.comment {
			t.Errorf("%s: oid=%d ret=%q set=%v returns=%v volatility=%q comment=%q", tt.name,
				f.OID, f.ReturnType, f.ReturnsSet, f.Returns, f.Volatility, f.Comment)
		}
		if !reflect.DeepEqual(f.Args, tt.args) {
			t.Errorf("%s: args %+v, want %+v", tt.name, f.Args, tt.args)
		}
		if !reflect.DeepEqual(gotCols, tt.columns) {
			t.Errorf("%s: columns %+v, want %+v", tt.name, gotCols, tt.columns)
		}
	}

	// The helpers on Function.
	add := cat.Overloads("api", "add")[0]
	if !reflect.DeepEqual(add.Required(), []string{"a"}) || !add.ReadOnly() {
		t.Errorf("add: required %v, read only %v", add.Required(), add.ReadOnly())
	}
	if a, ok := add.Arg("b"); !ok || !a.HasDefault {
		t.Errorf("add.Arg(b) = %+v, %v", a, ok)
	}
}
