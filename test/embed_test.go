package test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// expectJSON checks a reply's status and compares its JSON body by value.
func expectJSON(t *testing.T, r *reply, status int, want string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	var got, exp any
	r.JSON(t, &got)
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if string(g) != string(e) {
		t.Errorf("body\n got: %s\nwant: %s", g, e)
	}
}

func TestEmbedShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, path, want string
	}{
		{"many-to-one and many-to-many",
			"/em_posts?select=id,author:em_authors!author_id(name),em_tags(label)&order=id&em_tags.order=label",
			`[{"id":1,"author":{"name":"ann"},"em_tags":[{"label":"go"},{"label":"sql"}]},
			  {"id":2,"author":{"name":"bob"},"em_tags":[]},
			  {"id":3,"author":{"name":"ann"},"em_tags":[{"label":"sql"}]}]`},
		{"one-to-many nested with order and limit",
			"/em_authors?select=name,posts:em_posts!author_id(title,em_tags(id))&order=id&posts.order=id.desc&posts.limit=1",
			`[{"name":"ann","posts":[{"title":"third","em_tags":[{"id":2}]}]},
			  {"name":"bob","posts":[{"title":"second","em_tags":[]}]}]`},
		{"foreign key name hint",
			"/em_posts?select=id,reviewer:em_authors!em_posts_reviewer_id_fkey(name)&order=id",
			`[{"id":1,"reviewer":{"name":"bob"}},{"id":2,"reviewer":null},{"id":3,"reviewer":null}]`},
		{"null filter on an embed",
			"/em_posts?select=id,reviewer:em_authors!reviewer_id(name)&reviewer=is.null&order=id",
			`[{"id":2,"reviewer":null},{"id":3,"reviewer":null}]`},
		{"inner join filters parents",
			"/em_posts?select=id,em_tags!inner(label)&em_tags.label=eq.go",
			`[{"id":1,"em_tags":[{"label":"go"}]}]`},
		{"spread and related order",
			"/em_posts?select=title,...em_authors!author_id(author:name)&order=em_authors(name).desc,id",
			`[{"title":"second","author":"bob"},{"title":"first","author":"ann"},{"title":"third","author":"ann"}]`},
		{"or across an embed",
			"/em_posts?select=id,reviewer:em_authors!reviewer_id(name)&or=(reviewer.not.is.null,id.eq.3)&order=id",
			`[{"id":1,"reviewer":{"name":"bob"}},{"id":3,"reviewer":null}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			expectJSON(t, call(t, http.MethodGet, c.path, "", ""), http.StatusOK, c.want)
		})
	}
}

func TestEmbedErrors(t *testing.T) {
	t.Parallel()
	r := call(t, http.MethodGet, "/em_posts?select=id,em_authors(name)", "", "")
	obj := expectError(t, r, http.StatusMultipleChoices, "PGRST201")
	hint, _ := obj["hint"].(string)
	for _, fk := range []string{"'em_authors!em_posts_author_id_fkey'", "'em_authors!em_posts_reviewer_id_fkey'"} {
		if !strings.Contains(hint, fk) {
			t.Errorf("hint %q lacks %s", hint, fk)
		}
	}
	if d, _ := obj["details"].(string); !strings.Contains(d, "em_posts_reviewer_id_fkey using em_posts(reviewer_id)") {
		t.Errorf("details %q lack the candidates", d)
	}

	expectError(t, call(t, http.MethodGet, "/em_tags?select=id,em_authors(name)", "", ""),
		http.StatusBadRequest, "PGRST200")
	expectError(t, call(t, http.MethodGet, "/em_posts?select=id&em_tags.label=eq.go", "", ""),
		http.StatusBadRequest, "PGRST108")
	expectError(t, call(t, http.MethodGet, "/em_posts?select=id,em_tags(id)&em_tags=eq.1", "", ""),
		http.StatusBadRequest, "PGRST120")
	expectError(t, call(t, http.MethodGet, "/em_posts?select=id,em_tags(id)&order=em_tags(id)", "", ""),
		http.StatusBadRequest, "PGRST118")
}

// TestEmbedRLS shows that row-level security holds inside embeds: each
// user sees only their own comments under the same posts, and the
// anonymous role, without the privilege, cannot embed them at all.
func TestEmbedRLS(t *testing.T) {
	t.Parallel()
	path := "/em_posts?select=id,em_comments(body)&id=in.(1,2)&order=id&em_comments.order=id"
	cases := []struct {
		who, tok, want string
	}{
		{"alice", token(t, userA, nil), `[{"id":1,"em_comments":[{"body":"a on first"}]},{"id":2,"em_comments":[]}]`},
		{"bob", token(t, userB, nil),
			`[{"id":1,"em_comments":[{"body":"b on first"}]},{"id":2,"em_comments":[{"body":"b on second"}]}]`},
	}
	for _, c := range cases {
		t.Run(c.who, func(t *testing.T) {
			expectJSON(t, call(t, http.MethodGet, path, c.tok, ""), http.StatusOK, c.want)
		})
	}

	// !inner and its count see the policy too: alice has comments on one
	// post only.
	r := call(t, http.MethodGet, "/em_posts?select=id,em_comments!inner(body)", token(t, userA, nil), "",
		"Prefer: count=exact")
	expectJSON(t, r, http.StatusOK, `[{"id":1,"em_comments":[{"body":"a on first"}]}]`)
	if cr := r.Header.Get("Content-Range"); cr != "0-0/1" {
		t.Errorf("Content-Range = %q, want 0-0/1", cr)
	}

	// The anonymous role holds no privilege on comments.
	r = call(t, http.MethodGet, path, "", "")
	expectError(t, r, http.StatusUnauthorized, "42501")
}

// TestEmbedWriteRepresentation embeds related rows in the representation
// of an insert and of an update.
func TestEmbedWriteRepresentation(t *testing.T) {
	t.Parallel()
	tok := token(t, userC, nil)
	r := call(t, http.MethodPost, "/em_comments?select=body,em_posts(title,author:em_authors!author_id(name))",
		tok, `{"post_id":3,"body":"c on third"}`, "Prefer: return=representation")
	expectJSON(t, r, http.StatusCreated, `[{"body":"c on third","em_posts":{"title":"third","author":{"name":"ann"}}}]`)

	r = call(t, http.MethodPatch, "/em_comments?body=eq.c%20on%20third&select=body,post:em_posts(id,em_tags(label))",
		tok, `{"body":"c on third, edited"}`, "Prefer: return=representation")
	expectJSON(t, r, http.StatusOK, `[{"body":"c on third, edited","post":{"id":3,"em_tags":[{"label":"sql"}]}}]`)
}

// TestEmbedCount counts embedded rows in PostgREST's legacy form,
// name(count), which Supabase documents and which works although this
// gateway leaves aggregates off. The count sees the policies: each user
// counts only their own comments, and the anonymous role may not count
// them at all.
func TestEmbedCount(t *testing.T) {
	t.Parallel()
	path := "/em_posts?select=title,em_comments(count)&order=id"
	cases := []struct {
		who, tok, want string
	}{
		{"alice", token(t, userA, nil), `[{"title":"first","em_comments":[{"count":1}]},
			{"title":"second","em_comments":[{"count":0}]},{"title":"third","em_comments":[{"count":0}]}]`},
		{"bob", token(t, userB, nil), `[{"title":"first","em_comments":[{"count":1}]},
			{"title":"second","em_comments":[{"count":1}]},{"title":"third","em_comments":[{"count":0}]}]`},
	}
	for _, c := range cases {
		t.Run(c.who, func(t *testing.T) {
			t.Parallel()
			expectJSON(t, call(t, http.MethodGet, path, c.tok, ""), http.StatusOK, c.want)
		})
	}

	// The count takes the embed's filters, an alias and a cast, and works
	// at the top level too.
	tok := token(t, userB, nil)
	r := call(t, http.MethodGet,
		"/em_posts?select=id,em_comments(n:count::text)&em_comments.body=like.*second&id=lt.3&order=id", tok, "")
	expectJSON(t, r, http.StatusOK, `[{"id":1,"em_comments":[{"n":"0"}]},{"id":2,"em_comments":[{"n":"1"}]}]`)
	expectJSON(t, call(t, http.MethodGet, "/em_comments?select=count", tok, ""), http.StatusOK, `[{"count":2}]`)

	// The aggregate form stays off, and the anonymous role has no
	// privilege on comments.
	expectError(t, call(t, http.MethodGet, "/em_posts?select=title,em_comments(count())", tok, ""),
		http.StatusBadRequest, "PGRST123")
	expectError(t, call(t, http.MethodGet, path, "", ""), http.StatusUnauthorized, "42501")
}
