// Package catalog holds rowgate's schema cache: the tables, views and columns
// of the exposed schemas, loaded once from PostgreSQL and swapped as a whole
// snapshot on reload. A Catalog is read-only after it is built, so requests
// share it without locks.
package catalog

// Catalog is one snapshot of the exposed schemas.
type Catalog struct {
	// Schemas lists the exposed schemas in configuration order; the first is
	// the default for requests that name no profile.
	Schemas []string

	// Tables holds every table, view, materialized view and foreign table of
	// the exposed schemas.
	Tables map[Name]*Table

	// Functions holds the functions of the exposed schemas by name, each
	// with its overloads; see [Catalog.AddFunction].
	Functions map[Name][]*Function

	// Timezones holds the server's time zone names (pg_timezone_names), the
	// values Prefer: timezone may take. Nil when they were not loaded.
	Timezones map[string]bool
}

// Name is a schema-qualified relation name.
type Name struct {
	Schema string
	Name   string
}

// Table is a relation that can be addressed as /name.
type Table struct {
	Schema  string
	Name    string
	IsView  bool
	Comment string

	// Insertable, Updatable and Deletable say whether PostgreSQL allows the
	// write at all (always true for plain tables; for views, what
	// information_schema reports). Privileges are still checked per role.
	Insertable bool
	Updatable  bool
	Deletable  bool

	// Columns in ordinal order.
	Columns []*Column

	// PrimaryKey holds the primary key column names in key order; empty for
	// views and keyless tables.
	PrimaryKey []string

	// Relationships are the ways to embed other relations in this one;
	// see [Catalog.AddRelationship].
	Relationships []*Relationship

	byName map[string]*Column
}

// Column is one column of a Table.
type Column struct {
	Name string
	// Type is the column's type as format_type prints it, such as "integer",
	// "text[]" or "timestamp with time zone".
	Type string
	// Nullable is false for NOT NULL columns.
	Nullable bool
	// Default is the default expression's text, empty when there is none.
	Default string
	Comment string
}

// New returns an empty catalog for the given exposed schemas.
func New(schemas []string) *Catalog {
	return &Catalog{Schemas: schemas, Tables: make(map[Name]*Table)}
}

// Add puts t into the catalog, replacing any table of the same name.
func (c *Catalog) Add(t *Table) {
	t.byName = make(map[string]*Column, len(t.Columns))
	for _, col := range t.Columns {
		t.byName[col.Name] = col
	}
	c.Tables[Name{t.Schema, t.Name}] = t
}

// Table finds a relation by schema and name.
func (c *Catalog) Table(schema, name string) (*Table, bool) {
	t, ok := c.Tables[Name{schema, name}]
	return t, ok
}

// HasSchema reports whether schema is exposed.
func (c *Catalog) HasSchema(schema string) bool {
	for _, s := range c.Schemas {
		if s == schema {
			return true
		}
	}
	return false
}

// Column finds a column by name.
func (t *Table) Column(name string) (*Column, bool) {
	col, ok := t.byName[name]
	return col, ok
}
