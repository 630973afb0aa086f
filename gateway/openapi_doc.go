package gateway

import (
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// The OpenAPI 2.0 (Swagger) objects rowgate writes. Only the fields it
// fills are modelled.
type (
	oaDocument struct {
		Swagger     string                  `json:"swagger"`
		Info        oaInfo                  `json:"info"`
		Host        string                  `json:"host,omitempty"`
		BasePath    string                  `json:"basePath"`
		Schemes     []string                `json:"schemes"`
		Consumes    []string                `json:"consumes"`
		Produces    []string                `json:"produces"`
		Paths       map[string]oaPathItem   `json:"paths"`
		Definitions map[string]*oaSchema    `json:"definitions"`
		Parameters  map[string]*oaParameter `json:"parameters"`
	}
	oaInfo struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Version     string `json:"version"`
	}
	oaPathItem  map[string]*oaOperation
	oaOperation struct {
		Tags        []string              `json:"tags,omitempty"`
		Summary     string                `json:"summary,omitempty"`
		Description string                `json:"description,omitempty"`
		Produces    []string              `json:"produces,omitempty"`
		Parameters  []*oaParameter        `json:"parameters,omitempty"`
		Responses   map[string]oaResponse `json:"responses"`
	}
	oaResponse struct {
		Description string    `json:"description"`
		Schema      *oaSchema `json:"schema,omitempty"`
	}
	oaParameter struct {
		Ref         string    `json:"$ref,omitempty"`
		Name        string    `json:"name,omitempty"`
		In          string    `json:"in,omitempty"`
		Description string    `json:"description,omitempty"`
		Required    bool      `json:"required,omitempty"`
		Type        string    `json:"type,omitempty"`
		Format      string    `json:"format,omitempty"`
		Items       *oaSchema `json:"items,omitempty"`
		Schema      *oaSchema `json:"schema,omitempty"`
		Enum        []string  `json:"enum,omitempty"`
		Default     string    `json:"default,omitempty"`
	}
	oaSchema struct {
		Ref         string               `json:"$ref,omitempty"`
		Type        string               `json:"type,omitempty"`
		Format      string               `json:"format,omitempty"`
		Description string               `json:"description,omitempty"`
		Default     string               `json:"default,omitempty"`
		Items       *oaSchema            `json:"items,omitempty"`
		Required    []string             `json:"required,omitempty"`
		Properties  map[string]*oaSchema `json:"properties,omitempty"`
	}
)

// mediaTypes are the representations tables consume and produce.
var mediaTypes = []string{
	"application/json",
	"application/vnd.pgrst.object+json;nulls=stripped",
	"application/vnd.pgrst.object+json",
	"text/csv",
}

// openAPIDocument describes v for clients reaching the API at server.
func openAPIDocument(v *apiView, server *url.URL) *oaDocument {
	base := server.Path
	if base == "" {
		base = "/"
	}
	doc := &oaDocument{
		Swagger: "2.0",
		Info: oaInfo{
			Title:       "rowgate",
			Description: "The tables, views and functions of the " + v.schema + " schema.",
			Version:     "2.0",
		},
		Host:        server.Host,
		BasePath:    base,
		Schemes:     []string{server.Scheme},
		Consumes:    mediaTypes,
		Produces:    mediaTypes,
		Paths:       map[string]oaPathItem{},
		Definitions: map[string]*oaSchema{},
		Parameters:  commonParameters(),
	}
	doc.Paths["/"] = oaPathItem{"get": {
		Tags:      []string{"Introspection"},
		Summary:   "OpenAPI description (this document)",
		Produces:  []string{"application/openapi+json", "application/json"},
		Responses: map[string]oaResponse{"200": {Description: "OK"}},
	}}

	sort.Slice(v.tables, func(i, j int) bool { return v.tables[i].Name < v.tables[j].Name })
	for _, t := range v.tables {
		addTable(doc, t)
	}
	for _, overloads := range v.functions {
		addFunction(doc, overloads)
	}
	return doc
}

// addTable adds a relation's definition, parameters and path.
//
// TODO: foreign keys are not described (PostgREST adds a <fk .../> note to
// the column), and identity columns are listed as required, because the
// schema cache does not record identity; code generators that read the
// document then ask clients for ids the database would assign.
func addTable(doc *oaDocument, t *catalog.Table) {
	def := &oaSchema{Type: "object", Description: t.Comment, Properties: map[string]*oaSchema{}}
	var filters []*oaParameter
	for _, col := range t.Columns {
		prop := typeSchema(col.Type)
		prop.Description = col.Comment
		if slices.Contains(t.PrimaryKey, col.Name) {
			prop.Description = strings.TrimSpace(prop.Description + "\n\nNote:\nThis is a Primary Key.<pk/>")
		}
		prop.Default = col.Default
		def.Properties[col.Name] = prop
		if !col.Nullable && col.Default == "" {
			def.Required = append(def.Required, col.Name)
		}

		key := "rowFilter." + t.Name + "." + col.Name
		doc.Parameters[key] = &oaParameter{Name: col.Name, In: "query", Type: "string",
			Format: col.Type, Description: col.Comment}
		filters = append(filters, ref(key))
	}
	doc.Definitions[t.Name] = def
	bodyKey := "body." + t.Name
	doc.Parameters[bodyKey] = &oaParameter{Name: t.Name, In: "body", Description: t.Name,
		Schema: &oaSchema{Ref: "#/definitions/" + oaEscape(t.Name)}}

	summary, description := splitComment(t.Comment)
	op := func(params []*oaParameter, responses map[string]oaResponse) *oaOperation {
		return &oaOperation{Tags: []string{t.Name}, Summary: summary, Description: description,
			Parameters: params, Responses: responses}
	}
	rows := &oaSchema{Type: "array", Items: &oaSchema{Ref: "#/definitions/" + oaEscape(t.Name)}}
	read := append(slices.Clone(filters), ref("select"), ref("order"), ref("range"), ref("rangeUnit"),
		ref("offset"), ref("limit"), ref("preferCount"))
	item := oaPathItem{"get": op(read, map[string]oaResponse{
		"200": {Description: "OK", Schema: rows}, "206": {Description: "Partial Content"}})}
	if t.Insertable {
		item["post"] = op([]*oaParameter{ref(bodyKey), ref("select"), ref("preferPost")},
			map[string]oaResponse{"201": {Description: "Created"}})
	}
	if t.Updatable {
		item["patch"] = op(append(slices.Clone(filters), ref(bodyKey), ref("preferReturn")),
			map[string]oaResponse{"204": {Description: "No Content"}})
	}
	if t.Deletable {
		item["delete"] = op(append(slices.Clone(filters), ref("preferReturn")),
			map[string]oaResponse{"204": {Description: "No Content"}})
	}
	doc.Paths["/"+t.Name] = item
}

// addFunction adds /rpc/name. Overloads share one path; the one with the
// most arguments describes it.
func addFunction(doc *oaDocument, overloads []*catalog.Function) {
	f := overloads[0]
	for _, o := range overloads[1:] {
		if len(o.Args) > len(f.Args) {
			f = o
		}
	}
	args := &oaSchema{Type: "object", Properties: map[string]*oaSchema{}}
	var query []*oaParameter
	for _, a := range f.Args {
		name := a.Name
		if name == "" {
			continue
		}
		args.Properties[name] = typeSchema(a.Type)
		if !a.HasDefault {
			args.Required = append(args.Required, name)
		}
		p := typeParameter(a.Type)
		p.Name, p.In, p.Required = name, "query", !a.HasDefault
		query = append(query, p)
	}

	summary, description := splitComment(f.Comment)
	tags := []string{"(rpc) " + f.Name}
	ok := map[string]oaResponse{"200": {Description: "OK"}}
	body := &oaParameter{Name: "args", In: "body", Required: true, Schema: args}
	doc.Paths["/rpc/"+f.Name] = oaPathItem{
		"post": {Tags: tags, Summary: summary, Description: description,
			Parameters: []*oaParameter{body, ref("preferParams")}, Responses: ok},
		"get": {Tags: tags, Summary: summary, Description: description,
			Parameters: query, Responses: ok},
	}
}

// commonParameters are the parameters every path refers to.
func commonParameters() map[string]*oaParameter {
	str := func(name, in, desc string) *oaParameter {
		return &oaParameter{Name: name, In: in, Type: "string", Description: desc}
	}
	prefer := func(desc string, values ...string) *oaParameter {
		return &oaParameter{Name: "Prefer", In: "header", Type: "string", Description: desc, Enum: values}
	}
	return map[string]*oaParameter{
		"select": str("select", "query", "Filtering Columns"),
		"order":  str("order", "query", "Ordering"),
		"range":  str("Range", "header", "Limiting and Pagination"),
		"rangeUnit": {Name: "Range-Unit", In: "header", Type: "string", Default: "items",
			Description: "Limiting and Pagination"},
		"offset":       str("offset", "query", "Limiting and Pagination"),
		"limit":        str("limit", "query", "Limiting and Pagination"),
		"on_conflict":  str("on_conflict", "query", "On Conflict"),
		"preferCount":  prefer("Preference", "count=exact", "count=planned", "count=estimated"),
		"preferParams": prefer("Preference", "params=single-object"),
		"preferReturn": prefer("Preference", "return=representation", "return=minimal", "return=headers-only"),
		"preferPost": prefer("Preference", "return=representation", "return=minimal", "return=headers-only",
			"resolution=ignore-duplicates", "resolution=merge-duplicates"),
	}
}

func ref(name string) *oaParameter {
	return &oaParameter{Ref: "#/parameters/" + oaEscape(name)}
}

// oaEscape escapes a name for a JSON pointer inside a $ref.
func oaEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// splitComment turns a comment into a summary (its first line) and a
// description (the rest), as PostgREST does.
func splitComment(c string) (summary, description string) {
	summary, description, _ = strings.Cut(c, "\n")
	return strings.TrimSpace(summary), strings.TrimSpace(description)
}

// typeSchema maps a PostgreSQL type to an OpenAPI schema; the format
// keeps the PostgreSQL type's name.
func typeSchema(pgType string) *oaSchema {
	if elem, ok := strings.CutSuffix(pgType, "[]"); ok {
		return &oaSchema{Type: "array", Format: pgType, Items: typeSchema(elem)}
	}
	return &oaSchema{Type: oaType(pgType), Format: pgType}
}

// typeParameter is typeSchema for a query parameter.
func typeParameter(pgType string) *oaParameter {
	s := typeSchema(pgType)
	return &oaParameter{Type: s.Type, Format: s.Format, Items: s.Items}
}

// oaType is the JSON type of a PostgreSQL type's values; json and jsonb
// may hold any value and have none.
func oaType(pgType string) string {
	base, _, _ := strings.Cut(pgType, "(")
	switch strings.TrimSpace(base) {
	case "smallint", "integer", "bigint":
		return "integer"
	case "numeric", "real", "double precision":
		return "number"
	case "boolean":
		return "boolean"
	case "json", "jsonb":
		return ""
	}
	return "string"
}
