package querybuilder

import "github.com/rowgate/rowgate/querybuilder/catalog"

// fixtureDDL creates the tables that fixtureCatalog describes.
const fixtureDDL = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE posts (
	id serial PRIMARY KEY,
	title text NOT NULL DEFAULT 'untitled',
	views bigint,
	price numeric(30,10),
	published boolean,
	created_at timestamp with time zone DEFAULT now(),
	data jsonb,
	meta json,
	tags text[],
	uid uuid,
	mood mood,
	search tsvector,
	body text,
	span int4range
);
CREATE TABLE "odd ""name?" (
	"k?" integer PRIMARY KEY,
	"v""q" text
);
CREATE TABLE pairs (
	a integer,
	b text,
	note text,
	PRIMARY KEY (a, b)
);
CREATE VIEW post_titles AS SELECT id, title FROM posts;
CREATE TABLE codes (
	code character varying(5) PRIMARY KEY,
	grade character(2),
	amount numeric(6,2)
);
`

// fixtureCatalog describes fixtureDDL by hand, as the catalog loader would.
func fixtureCatalog() *catalog.Catalog {
	cat := catalog.New([]string{"public"})
	cat.Add(&catalog.Table{
		Schema: "public", Name: "posts", Insertable: true, Updatable: true, Deletable: true,
		PrimaryKey: []string{"id"},
		Columns: []*catalog.Column{
			{Name: "id", Type: "integer", Default: "nextval('posts_id_seq'::regclass)"},
			{Name: "title", Type: "text", Default: "'untitled'::text"},
			{Name: "views", Type: "bigint", Nullable: true},
			{Name: "price", Type: "numeric(30,10)", Nullable: true},
			{Name: "published", Type: "boolean", Nullable: true},
			{Name: "created_at", Type: "timestamp with time zone", Nullable: true, Default: "now()"},
			{Name: "data", Type: "jsonb", Nullable: true},
			{Name: "meta", Type: "json", Nullable: true},
			{Name: "tags", Type: "text[]", Nullable: true},
			{Name: "uid", Type: "uuid", Nullable: true},
			{Name: "mood", Type: "mood", Nullable: true},
			{Name: "search", Type: "tsvector", Nullable: true},
			{Name: "body", Type: "text", Nullable: true},
			{Name: "span", Type: "int4range", Nullable: true},
		},
	})
	cat.Add(&catalog.Table{
		Schema: "public", Name: `odd "name?`, Insertable: true, Updatable: true, Deletable: true,
		PrimaryKey: []string{"k?"},
		Columns: []*catalog.Column{
			{Name: "k?", Type: "integer"},
			{Name: `v"q`, Type: "text", Nullable: true},
		},
	})
	cat.Add(&catalog.Table{
		Schema: "public", Name: "pairs", Insertable: true, Updatable: true, Deletable: true,
		PrimaryKey: []string{"a", "b"},
		Columns: []*catalog.Column{
			{Name: "a", Type: "integer"},
			{Name: "b", Type: "text"},
			{Name: "note", Type: "text", Nullable: true},
		},
	})
	cat.Add(&catalog.Table{
		Schema: "public", Name: "post_titles", IsView: true,
		Columns: []*catalog.Column{
			{Name: "id", Type: "integer", Nullable: true},
			{Name: "title", Type: "text", Nullable: true},
		},
	})
	cat.Add(&catalog.Table{
		Schema: "public", Name: "codes", Insertable: true, Updatable: true, Deletable: true,
		PrimaryKey: []string{"code"},
		Columns: []*catalog.Column{
			{Name: "code", Type: "character varying(5)"},
			{Name: "grade", Type: "character(2)", Nullable: true},
			{Name: "amount", Type: "numeric(6,2)", Nullable: true},
		},
	})
	return cat
}
