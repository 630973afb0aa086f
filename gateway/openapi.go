package gateway

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/querybuilder/catalog"
	"github.com/rowgate/rowgate/rls"
)

// The values of openapi-mode.
const (
	OpenAPIFollowPrivileges = "follow-privileges"
	OpenAPIIgnorePrivileges = "ignore-privileges"
	OpenAPIDisabled         = "disabled"
)

const openAPIContentType = "application/openapi+json; charset=utf-8"

// handleRoot serves GET / and HEAD /: an OpenAPI 2.0 document of the
// schema chosen by Accept-Profile. In follow-privileges mode (the default)
// it lists only the relations and functions the caller's role may use,
// asked of PostgreSQL as that role in the same kind of transaction as any
// request; ignore-privileges lists everything in the schema cache;
// disabled answers 404 PGRST126.
func (s *Server) handleRoot(c echo.Context) error {
	if s.opts.OpenAPIMode == OpenAPIDisabled {
		return newError(http.StatusNotFound, "PGRST126", "Root endpoint metadata is disabled", "")
	}
	req := c.Request()
	ctx := req.Context()

	id, err := s.identify(req)
	if err != nil {
		return err
	}
	c.Set(ctxKeyRole, id.Role)
	cat := s.opts.Catalog()
	schema, profiled, err := pickSchema(cat, req)
	if err != nil {
		return err
	}
	if err := acceptOpenAPI(req.Header.Get("Accept")); err != nil {
		return err
	}

	// What the caller may see.
	view := fullView(cat, schema)
	if s.opts.OpenAPIMode != OpenAPIIgnorePrivileges {
		plan := querybuilder.BuildVisible(schema)
		res, err := s.opts.DB.Run(ctx, &rls.Env{
			Role:       id.Role,
			Anonymous:  id.Anonymous,
			Claims:     id.Claims,
			Method:     req.Method,
			Path:       req.URL.Path,
			Headers:    headersJSON(req.Header),
			Cookies:    cookiesJSON(req),
			SearchPath: append([]string{schema}, s.opts.ExtraSearchPath...),
			ReadOnly:   true,
		}, plan.SQL, plan.Args)
		if err != nil {
			return err
		}
		if view, err = visibleView(cat, schema, res.Body); err != nil {
			return err
		}
	}

	doc := openAPIDocument(view, s.serverURL(req))
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if profiled {
		h.Set("Content-Profile", schema)
	}
	if req.Method == http.MethodHead {
		h.Set(echo.HeaderContentType, openAPIContentType)
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, openAPIContentType, body)
}

// acceptOpenAPI checks that the client takes the document's media type:
// application/openapi+json, application/json or a wildcard.
func acceptOpenAPI(accept string) error {
	if strings.TrimSpace(accept) == "" {
		return nil
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/openapi+json", "application/json", "application/*", "*/*":
			return nil
		}
	}
	return newError(http.StatusNotAcceptable, "PGRST107",
		"None of these media types are available: "+accept, "")
}

// serverURL is where clients reach the API: openapi-server-proxy-uri when
// set, else the scheme and host the request came to.
func (s *Server) serverURL(r *http.Request) *url.URL {
	if s.opts.OpenAPIServerProxyURI != "" {
		if u, err := url.Parse(s.opts.OpenAPIServerProxyURI); err == nil && u.Host != "" {
			return u
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: r.Host, Path: "/"}
}

// apiView is the part of the catalog one document describes.
type apiView struct {
	schema    string
	tables    []*catalog.Table
	functions [][]*catalog.Function // overloads by name
}

// fullView is every relation and function of schema.
func fullView(cat *catalog.Catalog, schema string) *apiView {
	return filteredView(cat, schema, func(*catalog.Table) bool { return true },
		func(*catalog.Function) bool { return true })
}

// visibleView is the relations and functions of schema listed in body,
// the result of [querybuilder.BuildVisible]. Each relation keeps only the
// columns the role holds a privilege on.
func visibleView(cat *catalog.Catalog, schema string, body []byte) (*apiView, error) {
	var vis struct {
		Tables    []string            `json:"tables"`
		Columns   map[string][]string `json:"columns"`
		Functions []uint32            `json:"functions"`
	}
	if err := json.Unmarshal(body, &vis); err != nil {
		return nil, err
	}
	tables := make(map[string]bool, len(vis.Tables))
	for _, t := range vis.Tables {
		tables[t] = true
	}
	fns := make(map[uint32]bool, len(vis.Functions))
	for _, f := range vis.Functions {
		fns[f] = true
	}
	v := filteredView(cat, schema,
		func(t *catalog.Table) bool { return tables[t.Name] },
		func(f *catalog.Function) bool { return fns[f.OID] })
	for i, t := range v.tables {
		v.tables[i] = withColumns(t, vis.Columns[t.Name])
	}
	return v, nil
}

// withColumns is a copy of t that has only the named columns. The catalog's
// table is shared by every request, so it is never changed.
func withColumns(t *catalog.Table, names []string) *catalog.Table {
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		keep[n] = true
	}
	cp := *t
	cp.Columns = nil
	for _, c := range t.Columns {
		if keep[c.Name] {
			cp.Columns = append(cp.Columns, c)
		}
	}
	return &cp
}

// filteredView keeps the relations and functions of schema that pass.
func filteredView(cat *catalog.Catalog, schema string,
	keepTable func(*catalog.Table) bool, keepFn func(*catalog.Function) bool) *apiView {
	v := &apiView{schema: schema}
	for n, t := range cat.Tables {
		if n.Schema == schema && keepTable(t) {
			v.tables = append(v.tables, t)
		}
	}
	for n, overloads := range cat.Functions {
		if n.Schema != schema {
			continue
		}
		var kept []*catalog.Function
		for _, f := range overloads {
			if keepFn(f) {
				kept = append(kept, f)
			}
		}
		if len(kept) > 0 {
			v.functions = append(v.functions, kept)
		}
	}
	return v
}
