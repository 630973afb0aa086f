package pgsql

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// catalogRelation is one element of the JSON document catalog.sql returns.
type catalogRelation struct {
	Schema     string          `json:"schema"`
	Name       string          `json:"name"`
	IsView     bool            `json:"is_view"`
	Comment    string          `json:"comment"`
	Insertable bool            `json:"insertable"`
	Updatable  bool            `json:"updatable"`
	Deletable  bool            `json:"deletable"`
	Columns    []catalogColumn `json:"columns"`
	PrimaryKey []string        `json:"primary_key"`
}

type catalogColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	Default  string `json:"default"`
	Comment  string `json:"comment"`
}

// LoadCatalog reads the relations of schemas with one query, and their
// functions with another, and returns them as a new [catalog.Catalog]
// whose exposed schemas are schemas. Relations and functions are listed
// whatever the privileges of the querying role.
func LoadCatalog(ctx context.Context, q Querier, schemas []string) (*catalog.Catalog, error) {
	var doc string
	if err := q.QueryRow(ctx, catalogSQL, schemas).Scan(&doc); err != nil {
		return nil, fmt.Errorf("query catalog: %w", err)
	}
	var rels []catalogRelation
	if err := json.Unmarshal([]byte(doc), &rels); err != nil {
		return nil, fmt.Errorf("decode catalog: %w", err)
	}

	cat := catalog.New(schemas)
	for _, r := range rels {
		t := &catalog.Table{
			Schema:     r.Schema,
			Name:       r.Name,
			IsView:     r.IsView,
			Comment:    r.Comment,
			Insertable: r.Insertable,
			Updatable:  r.Updatable,
			Deletable:  r.Deletable,
			Columns:    make([]*catalog.Column, 0, len(r.Columns)),
			PrimaryKey: r.PrimaryKey,
		}
		for _, c := range r.Columns {
			t.Columns = append(t.Columns, &catalog.Column{
				Name:     c.Name,
				Type:     c.Type,
				Nullable: c.Nullable,
				Default:  c.Default,
				Comment:  c.Comment,
			})
		}
		cat.Add(t)
	}
	if err := LoadRelationships(ctx, q, cat); err != nil {
		return nil, err
	}
	if err := loadFunctions(ctx, q, schemas, cat); err != nil {
		return nil, err
	}
	if err := loadTimezones(ctx, q, cat); err != nil {
		return nil, err
	}
	return cat, nil
}

// loadTimezones reads the time zone names the server knows, which
// Prefer: timezone is checked against.
func loadTimezones(ctx context.Context, q Querier, cat *catalog.Catalog) error {
	var names []string
	if err := q.QueryRow(ctx,
		"SELECT coalesce(array_agg(name), '{}') FROM pg_catalog.pg_timezone_names").Scan(&names); err != nil {
		return fmt.Errorf("query time zones: %w", err)
	}
	cat.Timezones = make(map[string]bool, len(names))
	for _, n := range names {
		cat.Timezones[n] = true
	}
	return nil
}
