package pgsql_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/rowgate/rowgate/querybuilder/catalog"
	pgsql "github.com/rowgate/rowgate/sql"
	"github.com/rowgate/rowgate/sql/pgtest"
)

const catalogFixture = `
CREATE SCHEMA "Api";
CREATE SCHEMA hidden;
CREATE TABLE hidden.secret (id int PRIMARY KEY);

CREATE TABLE "Api"."People" (
  org_id     integer NOT NULL,
  "Person Id" bigint NOT NULL,
  name       text NOT NULL DEFAULT 'nobody',
  tags       text[],
  born       timestamp with time zone DEFAULT now(),
  salary     numeric(10,2),
  name_len   integer GENERATED ALWAYS AS (length(name)) STORED,
  dropped    int,
  PRIMARY KEY ("Person Id", org_id)
);
ALTER TABLE "Api"."People" DROP COLUMN dropped;
COMMENT ON TABLE "Api"."People" IS 'Everyone we know';
COMMENT ON COLUMN "Api"."People".tags IS 'free-form labels';

CREATE VIEW "Api".people_names AS SELECT "Person Id", name FROM "Api"."People";
CREATE VIEW "Api".org_sizes AS SELECT org_id, count(*) AS n FROM "Api"."People" GROUP BY org_id;
CREATE MATERIALIZED VIEW "Api".mv AS SELECT 1 AS one;

CREATE EXTENSION file_fdw;
CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE "Api".csv (line text) SERVER files OPTIONS (filename '/dev/null');
CREATE FOREIGN DATA WRAPPER no_handler;
CREATE SERVER nowhere FOREIGN DATA WRAPPER no_handler;
CREATE FOREIGN TABLE "Api".stub (x int) SERVER nowhere;
`

func TestLoadCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn := db.Admin(t)
	if _, err := conn.Exec(ctx, catalogFixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}

	cat, err := pgsql.LoadCatalog(ctx, conn, []string{"Api", "public"})
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}
	if !reflect.DeepEqual(cat.Schemas, []string{"Api", "public"}) {
		t.Errorf("Schemas = %v", cat.Schemas)
	}
	if len(cat.Tables) != 6 {
		t.Errorf("got %d relations, want 6: %v", len(cat.Tables), cat.Tables)
	}
	if _, ok := cat.Table("hidden", "secret"); ok {
		t.Error("relation of an unexposed schema is listed")
	}

	people := mustTable(t, cat, "Api", "People")
	if people.IsView || people.Comment != "Everyone we know" {
		t.Errorf("People IsView=%v Comment=%q", people.IsView, people.Comment)
	}
	if !people.Insertable || !people.Updatable || !people.Deletable {
		t.Error("plain table is not fully writable")
	}
	if !reflect.DeepEqual(people.PrimaryKey, []string{"Person Id", "org_id"}) {
		t.Errorf("PrimaryKey = %q", people.PrimaryKey)
	}
	wantCols := []catalog.Column{
		{Name: "org_id", Type: "integer"},
		{Name: "Person Id", Type: "bigint"},
		{Name: "name", Type: "text", Default: "'nobody'::text"},
		{Name: "tags", Type: "text[]", Nullable: true, Comment: "free-form labels"},
		{Name: "born", Type: "timestamp with time zone", Nullable: true, Default: "now()"},
		{Name: "salary", Type: "numeric(10,2)", Nullable: true},
		{Name: "name_len", Type: "integer", Nullable: true},
	}
	if len(people.Columns) != len(wantCols) {
		t.Fatalf("People has %d columns, want %d", len(people.Columns), len(wantCols))
	}
	for i, want := range wantCols {
		if got := *people.Columns[i]; got != want {
			t.Errorf("column %d = %+v, want %+v", i, got, want)
		}
	}
	if col, ok := people.Column("Person Id"); !ok || col.Type != "bigint" {
		t.Errorf("Column lookup by quoted name: %v %v", col, ok)
	}

	tests := []struct {
		name                 string
		isView               bool
		ins, upd, del        bool
		columns, primaryKeys int
	}{
		{name: "people_names", isView: true, ins: true, upd: true, del: true, columns: 2},
		{name: "org_sizes", isView: true, columns: 2},
		{name: "mv", isView: true, columns: 1},
		{name: "csv", columns: 1},
		{name: "stub", columns: 1},
	}
	for _, tt := range tests {
		tbl := mustTable(t, cat, "Api", tt.name)
		if tbl.IsView != tt.isView || tbl.Insertable != tt.ins ||
			tbl.Updatable != tt.upd || tbl.Deletable != tt.del {
			t.Errorf("%s: view=%v ins=%v upd=%v del=%v, want %v %v %v %v", tt.name,
				tbl.IsView, tbl.Insertable, tbl.Updatable, tbl.Deletable,
				tt.isView, tt.ins, tt.upd, tt.del)
		}
		if len(tbl.Columns) != tt.columns || len(tbl.PrimaryKey) != tt.primaryKeys {
			t.Errorf("%s: %d columns, %d key columns", tt.name, len(tbl.Columns), len(tbl.PrimaryKey))
		}
	}
}

func TestLoadCatalogEmpty(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	pool := db.Pool(t, "", 1, nil)
	cat, err := pgsql.LoadCatalog(context.Background(), pool, []string{"nothing_here"})
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}
	if len(cat.Tables) != 0 {
		t.Errorf("got %d relations", len(cat.Tables))
	}
}

func mustTable(t *testing.T, cat *catalog.Catalog, schema, name string) *catalog.Table {
	t.Helper()
	tbl, ok := cat.Table(schema, name)
	if !ok {
		t.Fatalf("relation %s.%s missing", schema, name)
	}
	return tbl
}
