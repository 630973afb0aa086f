package catalog

import "fmt"

// Cardinality says how many rows of a relationship's foreign relation one
// row of its own relation is related to. The values are PostgREST's names,
// which also appear in its error details.
type Cardinality string

// The cardinalities of a [Relationship].
const (
	// ManyToOne: Table holds a foreign key to Foreign (posts → users).
	ManyToOne Cardinality = "many-to-one"
	// OneToMany: Foreign holds a foreign key to Table (users → posts).
	OneToMany Cardinality = "one-to-many"
	// OneToOne: a foreign key whose columns are also a primary key or a
	// unique constraint, seen from either side.
	OneToOne Cardinality = "one-to-one"
	// ManyToMany: a junction table holds foreign keys to both relations.
	ManyToMany Cardinality = "many-to-many"
)

// ToOne reports whether a row relates to at most one foreign row.
func (c Cardinality) ToOne() bool { return c == ManyToOne || c == OneToOne }

// ColumnPair is one equality of a join: Column of the near relation equals
// ForeignColumn of the far one.
type ColumnPair struct {
	Column        string
	ForeignColumn string
}

// Relationship is one way to embed Foreign in Table. Every foreign key
// yields two (one from each end), and more when views expose its columns:
// a view whose columns trace back to a key's columns takes part in the
// key's relationships as if it were the table.
type Relationship struct {
	// Table is the relation that embeds; Foreign is the embedded one.
	Table   Name
	Foreign Name
	// Cardinality is the relationship's kind.
	Cardinality Cardinality
	// Constraint is the foreign key's name; empty for ManyToMany, whose
	// keys are in Junction.
	Constraint string
	// Referencing is true when the foreign key is declared on Table's side
	// (ManyToOne, and the child end of a OneToOne).
	Referencing bool
	// Columns join Table (Column) to Foreign (ForeignColumn), in key
	// order; empty for ManyToMany.
	Columns []ColumnPair
	// Junction describes the junction of a ManyToMany; nil otherwise.
	Junction *Junction

	table   *Table
	foreign *Table
}

// Junction is the table between the two ends of a many-to-many relationship.
type Junction struct {
	Table Name
	// Constraint1 is the junction's foreign key to the relationship's
	// Table, Constraint2 the one to its Foreign.
	Constraint1 string
	Constraint2 string
	// Source joins the relationship's Table (Column) to the junction
	// (ForeignColumn); Target joins the junction (Column) to the
	// relationship's Foreign (ForeignColumn).
	Source []ColumnPair
	Target []ColumnPair
}

// IsSelf reports whether both ends are the same relation.
func (r *Relationship) IsSelf() bool { return r.Table == r.Foreign }

// ForeignTable is the embedded relation; nil until the relationship is
// added to a catalog.
func (r *Relationship) ForeignTable() *Table { return r.foreign }

// AddRelationship attaches r to its Table. Both ends must already be in the
// catalog (relationships are added after all tables), else it returns an
// error and changes nothing.
func (c *Catalog) AddRelationship(r *Relationship) error {
	t, ok := c.Table(r.Table.Schema, r.Table.Name)
	if !ok {
		return fmt.Errorf("add relationship %s: no relation %s.%s", r.Constraint, r.Table.Schema, r.Table.Name)
	}
	f, ok := c.Table(r.Foreign.Schema, r.Foreign.Name)
	if !ok {
		return fmt.Errorf("add relationship %s: no relation %s.%s", r.Constraint, r.Foreign.Schema, r.Foreign.Name)
	}
	r.table, r.foreign = t, f
	t.Relationships = append(t.Relationships, r)
	return nil
}

// FindRelationships returns the relationships of t that an embed named
// target with the optional hint (name!hint) can mean, following PostgREST:
//
//   - target is the foreign relation's name, the foreign key's name, or
//     the single column of a foreign key held by t (author_id(*));
//   - hint, when given, is the foreign key's name, a column of a
//     single-column key on either side, or a junction table's name.
//
// Both ends must be in the same schema. More than one result is an
// ambiguous embed, except in two cases. A self-referencing key hinted by
// column: posts!parent_id means the rows whose parent_id is this row's key
// (the one-to-many end), as parent_id(*) means the row this row points to.
// And an embed named by a key or key column prefers the key's tables to
// the views that expose the same key.
func (t *Table) FindRelationships(target, hint string) []*Relationship {
	var out []*Relationship
	for _, r := range t.Relationships {
		if r.Foreign.Schema != t.Schema {
			continue
		}
		byName := r.Foreign.Name == target
		byKey := r.Junction == nil && r.Constraint == target
		byColumn := r.Referencing && len(r.Columns) == 1 && r.Columns[0].Column == target
		if !byName && !byKey && !byColumn {
			continue
		}
		if hint != "" && !r.matchesHint(hint) {
			continue
		}
		out = append(out, r)
	}
	if len(out) > 1 && hint != "" {
		out = preferReferenced(out, hint)
	}
	if len(out) > 1 {
		out = preferTables(out, target)
	}
	return out
}

// preferTables narrows an embed named by a key or a key column, not by a
// relation, to the key's own tables: views that expose the same key would
// otherwise make author_id(*) ambiguous as soon as a view over the
// referenced table exists.
func preferTables(rels []*Relationship, target string) []*Relationship {
	var out []*Relationship
	for _, r := range rels {
		if r.Foreign.Name == target {
			return rels
		}
		if r.foreign != nil && !r.foreign.IsView {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return rels
	}
	return out
}

// matchesHint reports whether hint names r's key, one of its single key
// columns or its junction.
func (r *Relationship) matchesHint(hint string) bool {
	if r.Junction != nil {
		return r.Junction.Table.Name == hint
	}
	if r.Constraint == hint {
		return true
	}
	return len(r.Columns) == 1 && (r.Columns[0].Column == hint || r.Columns[0].ForeignColumn == hint)
}

// preferReferenced narrows ambiguous self-references hinted by a column to
// the ones where the column is on the embedded side.
func preferReferenced(rels []*Relationship, hint string) []*Relationship {
	var out []*Relationship
	for _, r := range rels {
		if !r.IsSelf() {
			return rels
		}
		if len(r.Columns) == 1 && r.Columns[0].ForeignColumn == hint && !r.Referencing {
			out = append(out, r)
		}
	}
	if len(out) == 1 {
		return out
	}
	return rels
}
