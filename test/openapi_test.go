package test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// openAPIDoc is the part of an OpenAPI 2.0 document the tests read.
type openAPIDoc struct {
	Swagger  string `json:"swagger"`
	Host     string `json:"host"`
	BasePath string `json:"basePath"`
	Paths    map[string]map[string]struct {
		Summary     string `json:"summary"`
		Description string `json:"description"`
		Parameters  []struct {
			Ref      string `json:"$ref"`
			Name     string `json:"name"`
			In       string `json:"in"`
			Required bool   `json:"required"`
			Type     string `json:"type"`
			Schema   *struct {
				Required   []string                  `json:"required"`
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schema"`
		} `json:"parameters"`
	} `json:"paths"`
	Definitions map[string]struct {
		Description string                    `json:"description"`
		Required    []string                  `json:"required"`
		Properties  map[string]map[string]any `json:"properties"`
	} `json:"definitions"`
}

// fetchOpenAPI gets / from base as tok and decodes the document.
func fetchOpenAPI(t *testing.T, base, tok string, headers ...string) *openAPIDoc {
	t.Helper()
	r, err := doCall("GET", base+"/", tok, "", headers...)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusOK {
		t.Fatalf("GET / = %d %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openapi+json") {
		t.Errorf("Content-Type %q", ct)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if doc.Swagger != "2.0" || doc.BasePath != "/" || doc.Host == "" {
		t.Errorf("swagger %q basePath %q host %q", doc.Swagger, doc.BasePath, doc.Host)
	}
	return &doc
}

// TestOpenAPIFollowPrivileges reads the document of the shared gateway,
// which follows privileges: each role sees what it may use.
func TestOpenAPIFollowPrivileges(t *testing.T) {
	t.Parallel()
	alice := token(t, userA, nil)
	anon := fetchOpenAPI(t, env.gw.base, "")
	member := fetchOpenAPI(t, env.gw.base, alice)

	visible := []struct {
		path         string
		anon, member bool
	}{
		{"/items", true, true},
		{"/rpc_notes", false, true},
		{"/rpc_members_only", false, true},
		{"/rpc/rpc_add", true, true},
		{"/rpc/rpc_private", false, true},
	}
	for _, v := range visible {
		if _, ok := anon.Paths[v.path]; ok != v.anon {
			t.Errorf("anonymous sees %s: %v, want %v", v.path, ok, v.anon)
		}
		if _, ok := member.Paths[v.path]; ok != v.member {
			t.Errorf("authenticated sees %s: %v, want %v", v.path, ok, v.member)
		}
	}

	// Tables: columns, types, keys, comments.
	notes, ok := member.Definitions["rpc_notes"]
	if !ok {
		t.Fatal("no rpc_notes definition")
	}
	if notes.Description != "Notes\nOne owner each." || !slices.Equal(notes.Required, []string{"body"}) {
		t.Errorf("rpc_notes: description %q required %v", notes.Description, notes.Required)
	}
	if p := notes.Properties["id"]; p["type"] != "integer" || p["format"] != "bigint" ||
		!strings.Contains(p["description"].(string), "<pk/>") {
		t.Errorf("rpc_notes.id %v", p)
	}
	if p := notes.Properties["body"]; p["type"] != "string" || p["description"] != "What the note says" {
		t.Errorf("rpc_notes.body %v", p)
	}
	if p := notes.Properties["owner"]; p["format"] != "uuid" {
		t.Errorf("rpc_notes.owner %v", p)
	}
	ops := member.Paths["/rpc_notes"]
	for _, m := range []string{"get", "post", "patch", "delete"} {
		if _, ok := ops[m]; !ok {
			t.Errorf("/rpc_notes lacks %s", m)
		}
	}
	if ops["get"].Summary != "Notes" || ops["get"].Description != "One owner each." {
		t.Errorf("summary %q description %q", ops["get"].Summary, ops["get"].Description)
	}

	// Functions: arguments as body and query parameters, comment as summary.
	add := anon.Paths["/rpc/rpc_add"]
	post, get := add["post"], add["get"]
	if post.Summary != "Adds two numbers" || len(post.Parameters) == 0 || post.Parameters[0].Schema == nil {
		t.Fatalf("/rpc/rpc_add post %+v", post)
	}
	args := post.Parameters[0].Schema
	if !slices.Equal(args.Required, []string{"a"}) || args.Properties["b"]["type"] != "integer" {
		t.Errorf("args %+v", args)
	}
	if len(get.Parameters) != 2 || get.Parameters[0].Name != "a" || !get.Parameters[0].Required ||
		get.Parameters[1].Required || get.Parameters[0].In != "query" {
		t.Errorf("get parameters %+v", get.Parameters)
	}

	// HEAD, and a media type the document is not.
	r := call(t, "HEAD", "/", "", "")
	expect(t, r, http.StatusOK)
	if len(r.Body) != 0 {
		t.Errorf("HEAD body %q", r.Body)
	}
	expectError(t, call(t, "GET", "/", "", "", "Accept: text/csv"), 406, "PGRST107")
}

// TestOpenAPIIgnorePrivileges lists everything, in the schema chosen by
// Accept-Profile.
func TestOpenAPIIgnorePrivileges(t *testing.T) {
	t.Parallel()
	g := sharedGateway(t, map[string]string{
		"PGRST_OPENAPI_MODE": "ignore-privileges",
		"PGRST_DB_SCHEMAS":   "public,rpc_extra",
	})
	doc := fetchOpenAPI(t, g.base, "")
	for _, p := range []string{"/items", "/rpc_notes", "/rpc/rpc_private", "/rpc/where_am_i"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("%s missing", p)
		}
	}
	if _, ok := doc.Paths["/gadgets"]; ok {
		t.Error("a table of the other schema is listed")
	}

	extra := fetchOpenAPI(t, g.base, "", "Accept-Profile: rpc_extra")
	if _, ok := extra.Paths["/gadgets"]; !ok || len(extra.Paths) != 3 {
		var paths []string
		for p := range extra.Paths {
			paths = append(paths, p)
		}
		t.Errorf("rpc_extra paths %v, want /, /gadgets and /rpc/where_am_i", paths)
	}
	expectError(t, g.at(t, "GET", "/", "", "", "Accept-Profile: nowhere"), 406, "PGRST106")
}

func TestOpenAPIDisabled(t *testing.T) {
	t.Parallel()
	g := sharedGateway(t, map[string]string{"PGRST_OPENAPI_MODE": "disabled"})
	expectError(t, g.at(t, "GET", "/", "", ""), 404, "PGRST126")
	// Everything else still works.
	expect(t, g.at(t, "GET", "/rpc/rpc_add?a=1", "", ""), http.StatusOK)
}

// TestOpenAPIServerProxyURI: behind a proxy, the document gives the public
// address (openapi-server-proxy-uri), not the one the request came to.
func TestOpenAPIServerProxyURI(t *testing.T) {
	t.Parallel()
	g := sharedGateway(t, map[string]string{
		"PGRST_OPENAPI_MODE":             "ignore-privileges",
		"PGRST_OPENAPI_SERVER_PROXY_URI": "https://api.example.com:8443/v1",
	})
	r, err := doCall("GET", g.base+"/", "", "")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Host     string   `json:"host"`
		BasePath string   `json:"basePath"`
		Schemes  []string `json:"schemes"`
		Paths    map[string]any
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil || r.Status != http.StatusOK {
		t.Fatalf("GET / = %d %s (%v)", r.Status, r.Body, err)
	}
	if doc.Host != "api.example.com:8443" || doc.BasePath != "/v1" || !slices.Equal(doc.Schemes, []string{"https"}) {
		t.Errorf("host %q basePath %q schemes %v", doc.Host, doc.BasePath, doc.Schemes)
	}
	if _, ok := doc.Paths["/items"]; !ok {
		t.Error("/items missing")
	}
}
