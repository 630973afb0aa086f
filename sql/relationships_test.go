package pgsql_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/querybuilder/catalog"
	pgsql "github.com/rowgate/rowgate/sql"
	"github.com/rowgate/rowgate/sql/pgtest"
)

const relationshipsFixture = `
CREATE SCHEMA api;
CREATE SCHEMA private;
CREATE TABLE api.users (id int PRIMARY KEY, name text);
CREATE TABLE api.posts (
  id int PRIMARY KEY,
  author_id int REFERENCES api.users,
  editor_id int CONSTRAINT posts_editor REFERENCES api.users (id),
  title text
);
CREATE TABLE api.profiles (user_id int PRIMARY KEY REFERENCES api.users, bio text);
CREATE TABLE api.employees (id int PRIMARY KEY, manager_id int REFERENCES api.employees);
CREATE TABLE api.tags (id int PRIMARY KEY, label text);
CREATE TABLE api.post_tags (
  post_id int REFERENCES api.posts,
  tag_id int REFERENCES api.tags,
  PRIMARY KEY (post_id, tag_id)
);
CREATE TABLE api.likes (post_id int REFERENCES api.posts, tag_id int REFERENCES api.tags);
CREATE TABLE api.regions (country text, code text, PRIMARY KEY (country, code));
CREATE TABLE api.shops (
  id int PRIMARY KEY, country text, region text,
  CONSTRAINT shops_region FOREIGN KEY (country, region) REFERENCES api.regions (country, code)
);
CREATE TABLE private.secrets (id int PRIMARY KEY, owner int REFERENCES api.users);
CREATE VIEW api.secret_view AS SELECT id AS secret_id, owner AS "Owner" FROM private.secrets;
CREATE VIEW api.authors AS SELECT u.id AS author, u.name FROM api.users u;
CREATE VIEW api.authors2 AS SELECT name, author FROM api.authors WHERE name <> 'x (y)';
CREATE VIEW api.post_summary AS SELECT p.id, p.title, length(p.title) AS len FROM api.posts p;
`

func TestLoadRelationships(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn := db.Admin(t)
	if _, err := conn.Exec(ctx, relationshipsFixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	cat, err := pgsql.LoadCatalog(ctx, conn, []string{"api"})
	if err != nil {
		t.Fatalf("LoadCatalog: %v", err)
	}

	cases := []struct {
		table string
		want  []string // every line must be among the table's relationships
		not   []string // no relationship may start with any of these
	}{
		{"posts", []string{
			"many-to-one users posts_author_id_fkey (author_id=id) ref",
			"many-to-one users posts_editor (editor_id=id) ref",
			"many-to-one authors posts_author_id_fkey (author_id=author) ref",
			"many-to-one authors2 posts_editor (editor_id=author) ref",
			"many-to-many tags via post_tags post_tags_post_id_fkey/post_tags_tag_id_fkey (id=post_id) (tag_id=id)",
			"one-to-many post_tags post_tags_post_id_fkey (id=post_id)",
		}, []string{"many-to-many tags via likes"}},
		{"users", []string{
			"one-to-many posts posts_author_id_fkey (id=author_id)",
			"one-to-many posts posts_editor (id=editor_id)",
			"one-to-one profiles profiles_user_id_fkey (id=user_id)",
			"one-to-many secret_view secrets_owner_fkey (id=Owner)",
		}, []string{"one-to-many secrets"}},
		{"profiles", []string{"one-to-one users profiles_user_id_fkey (user_id=id) ref"}, nil},
		{"employees", []string{
			"many-to-one employees employees_manager_id_fkey (manager_id=id) ref",
			"one-to-many employees employees_manager_id_fkey (id=manager_id)",
		}, nil},
		{"shops", []string{"many-to-one regions shops_region (country=country,region=code) ref"}, nil},
		{"tags", []string{
			"many-to-many posts via post_tags post_tags_tag_id_fkey/post_tags_post_id_fkey (id=tag_id) (post_id=id)",
			"many-to-many post_summary via post_tags post_tags_tag_id_fkey/post_tags_post_id_fkey (id=tag_id) (post_id=id)",
		}, nil},
		{"authors", []string{"one-to-many posts posts_author_id_fkey (author=author_id)"}, nil},
		{"post_summary", []string{"one-to-many post_tags post_tags_post_id_fkey (id=post_id)"}, nil},
		{"secret_view", []string{"many-to-one users secrets_owner_fkey (Owner=id) ref"}, nil},
	}
	for _, c := range cases {
		tbl, ok := cat.Table("api", c.table)
		if !ok {
			t.Fatalf("no table %s", c.table)
		}
		var got []string
		for _, r := range tbl.Relationships {
			got = append(got, describe(r))
			if r.ForeignTable() == nil {
				t.Errorf("%s: relationship %s is not linked", c.table, describe(r))
			}
		}
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s lacks %q; has:\n  %s", c.table, w, strings.Join(got, "\n  "))
			}
		}
		for _, n := range c.not {
			for _, g := range got {
				if strings.HasPrefix(g, n) {
					t.Errorf("%s has unexpected %q", c.table, g)
				}
			}
		}
	}
}

// describe renders a relationship on one line.
func describe(r *catalog.Relationship) string {
	pairs := func(ps []catalog.ColumnPair) string {
		s := make([]string, len(ps))
		for i, p := range ps {
			s[i] = p.Column + "=" + p.ForeignColumn
		}
		return "(" + strings.Join(s, ",") + ")"
	}
	if j := r.Junction; j != nil {
		return fmt.Sprintf("%s %s via %s %s/%s %s %s", r.Cardinality, r.Foreign.Name, j.Table.Name,
			j.Constraint1, j.Constraint2, pairs(j.Source), pairs(j.Target))
	}
	s := fmt.Sprintf("%s %s %s %s", r.Cardinality, r.Foreign.Name, r.Constraint, pairs(r.Columns))
	if r.Referencing {
		s += " ref"
	}
	return s
}
