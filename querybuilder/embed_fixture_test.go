package querybuilder

import (
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// embedDDL creates the schema of the embedding tests, with rows: users
// (with a self-reference to their manager), a one-to-one profile, posts
// with two keys to users (author and editor), comments, tags through a
// junction, a view over users, a composite key, a table with a column
// named count, and functions returning posts (which embed what posts
// embed) or a table of their own (which embed nothing).
const embedDDL = `
CREATE SCHEMA embed;
CREATE TABLE embed.users (id int PRIMARY KEY, name text NOT NULL, manager_id int REFERENCES embed.users);
CREATE TABLE embed.profiles (user_id int PRIMARY KEY REFERENCES embed.users, bio text);
CREATE TABLE embed.posts (
	id int PRIMARY KEY,
	author_id int NOT NULL REFERENCES embed.users,
	editor_id int REFERENCES embed.users,
	title text NOT NULL
);
CREATE TABLE embed.comments (
	id int PRIMARY KEY,
	post_id int NOT NULL REFERENCES embed.posts,
	author_id int REFERENCES embed.users,
	body text NOT NULL
);
CREATE INDEX ON embed.comments (post_id);
CREATE TABLE embed.tags (id int PRIMARY KEY, label text NOT NULL);
CREATE TABLE embed.post_tags (
	post_id int REFERENCES embed.posts,
	tag_id int REFERENCES embed.tags,
	PRIMARY KEY (post_id, tag_id)
);
CREATE VIEW embed.authors AS SELECT id AS author_key, name FROM embed.users;
CREATE TABLE embed.regions (country text, code text, name text, PRIMARY KEY (country, code));
CREATE TABLE embed.shops (
	id int PRIMARY KEY, country text, region text,
	FOREIGN KEY (country, region) REFERENCES embed.regions
);

CREATE TABLE embed.tallies (id int PRIMARY KEY, post_id int REFERENCES embed.posts, count int);
CREATE FUNCTION embed.posts_by(author integer) RETURNS SETOF embed.posts
	LANGUAGE sql STABLE AS 'SELECT * FROM embed.posts WHERE author_id = author';
CREATE FUNCTION embed.first_post() RETURNS embed.posts
	LANGUAGE sql STABLE AS 'SELECT * FROM embed.posts ORDER BY id LIMIT 1';
CREATE FUNCTION embed.post_titles() RETURNS TABLE (id integer, title text)
	LANGUAGE sql STABLE AS 'SELECT id, title FROM embed.posts';

INSERT INTO embed.users VALUES (1, 'ann', NULL), (2, 'bob', 1), (3, 'cid', 1);
INSERT INTO embed.profiles VALUES (1, 'ann bio');
INSERT INTO embed.posts VALUES (1, 1, 2, 'p1'), (2, 2, NULL, 'p2'), (3, 1, NULL, 'p3');
INSERT INTO embed.comments VALUES (1, 1, 2, 'c1'), (2, 1, 3, 'c2'), (3, 2, 1, 'c3');
INSERT INTO embed.tags VALUES (1, 'go'), (2, 'sql');
INSERT INTO embed.post_tags VALUES (1, 1), (1, 2), (2, 2);
INSERT INTO embed.regions VALUES ('fr', 'idf', 'Ile-de-France');
INSERT INTO embed.shops VALUES (1, 'fr', 'idf'), (2, NULL, NULL);
INSERT INTO embed.tallies VALUES (1, 1, 7);
`

// embedCatalog describes the tables of embedDDL (not the view or the
// composite key) by hand, as the loader would, for the golden tests.
func embedCatalog() *catalog.Catalog {
	cat := catalog.New([]string{"embed"})
	table := func(name string, pk string, cols ...string) {
		t := &catalog.Table{Schema: "embed", Name: name, Insertable: true, Updatable: true, Deletable: true}
		if pk != "" {
			t.PrimaryKey = strings.Split(pk, ",")
		}
		for _, c := range cols {
			n, typ, _ := strings.Cut(c, " ")
			t.Columns = append(t.Columns, &catalog.Column{Name: n, Type: typ, Nullable: true})
		}
		cat.Add(t)
	}
	table("users", "id", "id integer", "name text", "manager_id integer")
	table("profiles", "user_id", "user_id integer", "bio text")
	table("posts", "id", "id integer", "author_id integer", "editor_id integer", "title text")
	table("comments", "id", "id integer", "post_id integer", "author_id integer", "body text")
	table("tags", "id", "id integer", "label text")
	table("post_tags", "post_id,tag_id", "post_id integer", "tag_id integer")

	name := func(n string) catalog.Name { return catalog.Name{Schema: "embed", Name: n} }
	add := func(r *catalog.Relationship) {
		if err := cat.AddRelationship(r); err != nil {
			panic(err)
		}
	}
	// fk adds both ends of a single-column foreign key.
	fk := func(con, tbl, col, ftbl, fcol string, unique bool) {
		there, back := catalog.ManyToOne, catalog.OneToMany
		if unique {
			there, back = catalog.OneToOne, catalog.OneToOne
		}
		add(&catalog.Relationship{Table: name(tbl), Foreign: name(ftbl), Cardinality: there, Constraint: con,
			Referencing: true, Columns: []catalog.ColumnPair{{Column: col, ForeignColumn: fcol}}})
		add(&catalog.Relationship{Table: name(ftbl), Foreign: name(tbl), Cardinality: back, Constraint: con,
			Columns: []catalog.ColumnPair{{Column: fcol, ForeignColumn: col}}})
	}
	fk("users_manager_id_fkey", "users", "manager_id", "users", "id", false)
	fk("profiles_user_id_fkey", "profiles", "user_id", "users", "id", true)
	fk("posts_author_id_fkey", "posts", "author_id", "users", "id", false)
	fk("posts_editor_id_fkey", "posts", "editor_id", "users", "id", false)
	fk("comments_post_id_fkey", "comments", "post_id", "posts", "id", false)
	fk("comments_author_id_fkey", "comments", "author_id", "users", "id", false)
	fk("post_tags_post_id_fkey", "post_tags", "post_id", "posts", "id", false)
	fk("post_tags_tag_id_fkey", "post_tags", "tag_id", "tags", "id", false)
	add(&catalog.Relationship{Table: name("posts"), Foreign: name("tags"), Cardinality: catalog.ManyToMany,
		Junction: &catalog.Junction{Table: name("post_tags"),
			Constraint1: "post_tags_post_id_fkey", Constraint2: "post_tags_tag_id_fkey",
			Source: []catalog.ColumnPair{{Column: "id", ForeignColumn: "post_id"}},
			Target: []catalog.ColumnPair{{Column: "tag_id", ForeignColumn: "id"}}}})
	add(&catalog.Relationship{Table: name("tags"), Foreign: name("posts"), Cardinality: catalog.ManyToMany,
		Junction: &catalog.Junction{Table: name("post_tags"),
			Constraint1: "post_tags_tag_id_fkey", Constraint2: "post_tags_post_id_fkey",
			Source: []catalog.ColumnPair{{Column: "id", ForeignColumn: "tag_id"}},
			Target: []catalog.ColumnPair{{Column: "post_id", ForeignColumn: "id"}}}})

	// The functions, with the return types as format_type prints them.
	posts, _ := cat.Table("embed", "posts")
	fn := func(name, ret string, set bool, cols []*catalog.Column, args ...catalog.Arg) {
		cat.AddFunction(&catalog.Function{Schema: "embed", Name: name, Args: args, ReturnType: ret,
			ReturnsSet: set, Returns: catalog.ReturnComposite, Columns: cols,
			Volatility: catalog.VolatilityStable})
	}
	fn("posts_by", "embed.posts", true, posts.Columns, catalog.Arg{Name: "author", Type: "integer", Mode: catalog.ArgIn})
	fn("first_post", "embed.posts", false, posts.Columns)
	fn("post_titles", "record", true, []*catalog.Column{{Name: "id", Type: "integer"}, {Name: "title", Type: "text"}})
	return cat
}
