package pgsql

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

//go:embed relationships.sql
var relationshipsSQL string

// relationshipDoc is the JSON document relationships.sql returns.
type relationshipDoc struct {
	Relations []struct {
		OID     uint32            `json:"oid"`
		Schema  string            `json:"schema"`
		Name    string            `json:"name"`
		IsView  bool              `json:"is_view"`
		Columns map[string]string `json:"columns"`
	} `json:"relations"`
	ForeignKeys []struct {
		Name           string `json:"name"`
		Table          uint32 `json:"table"`
		Columns        []int  `json:"columns"`
		Foreign        uint32 `json:"foreign"`
		ForeignColumns []int  `json:"foreign_columns"`
	} `json:"foreign_keys"`
	Keys []struct {
		Table   uint32 `json:"table"`
		Columns []int  `json:"columns"`
	} `json:"keys"`
	Views []struct {
		OID        uint32 `json:"oid"`
		Definition string `json:"definition"`
	} `json:"views"`
}

// relInfo is one relation of the document, with column names by number.
type relInfo struct {
	name    catalog.Name
	isView  bool
	columns map[int]string
}

// fkey is a foreign key by oids and attribute numbers.
type fkey struct {
	name    string
	table   uint32
	cols    []int
	foreign uint32
	fcols   []int
}

// relGraph holds the document resolved for building relationships.
type relGraph struct {
	rels map[uint32]*relInfo
	keys map[uint32][][]int
	// views maps a base relation's oid to the views whose columns trace
	// back to it, each with base attribute number → view attribute number.
	views map[uint32][]viewOf
}

type viewOf struct {
	oid  uint32
	cols map[int]int
}

// LoadRelationships reads the foreign keys of the database and attaches to
// cat every relationship whose two ends are in it: many-to-one and
// one-to-many for each foreign key (one-to-one when the key's columns are
// unique), many-to-many through every junction table, and the same for
// views whose columns trace back to the keys' columns.
func LoadRelationships(ctx context.Context, q Querier, cat *catalog.Catalog) error {
	var text string
	if err := q.QueryRow(ctx, relationshipsSQL).Scan(&text); err != nil {
		return fmt.Errorf("query relationships: %w", err)
	}
	var doc relationshipDoc
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		return fmt.Errorf("decode relationships: %w", err)
	}
	for _, r := range buildRelationships(&doc) {
		if _, ok := cat.Table(r.Table.Schema, r.Table.Name); !ok {
			continue
		}
		if _, ok := cat.Table(r.Foreign.Schema, r.Foreign.Name); !ok {
			continue
		}
		if err := cat.AddRelationship(r); err != nil {
			return err
		}
	}
	return nil
}

// buildRelationships turns the document into relationships, before any
// filtering by exposed schema.
func buildRelationships(doc *relationshipDoc) []*catalog.Relationship {
	g := newRelGraph(doc)
	fks := make([]fkey, 0, len(doc.ForeignKeys))
	for _, k := range doc.ForeignKeys {
		if g.rels[k.Table] == nil || g.rels[k.Foreign] == nil || len(k.Columns) != len(k.ForeignColumns) {
			continue
		}
		fks = append(fks, fkey{k.Name, k.Table, k.Columns, k.Foreign, k.ForeignColumns})
	}

	var out []*catalog.Relationship
	for _, k := range fks {
		unique := g.isUnique(k.table, k.cols)
		for _, t := range g.sides(k.table, k.cols) {
			for _, f := range g.sides(k.foreign, k.fcols) {
				out = append(out, g.pair(k.name, t, f, unique)...)
			}
		}
	}
	return append(out, g.junctions(fks)...)
}

func newRelGraph(doc *relationshipDoc) *relGraph {
	g := &relGraph{rels: map[uint32]*relInfo{}, keys: map[uint32][][]int{}, views: map[uint32][]viewOf{}}
	for _, r := range doc.Relations {
		info := &relInfo{name: catalog.Name{Schema: r.Schema, Name: r.Name}, isView: r.IsView, columns: map[int]string{}}
		for num, name := range r.Columns {
			if n, err := strconv.Atoi(num); err == nil {
				info.columns[n] = name
			}
		}
		g.rels[r.OID] = info
	}
	for _, k := range doc.Keys {
		g.keys[k.Table] = append(g.keys[k.Table], k.Columns)
	}

	// Each view's columns, then each traced through views to a base
	// relation. A view whose definition cannot be read has no lineage.
	direct := map[uint32]map[int]origin{}
	for _, v := range doc.Views {
		if o, err := viewOrigins(v.Definition); err == nil {
			direct[v.OID] = o
		}
	}
	for _, v := range doc.Views {
		base := map[uint32]map[int]int{}
		for col, o := range direct[v.OID] {
			o = traceOrigin(direct, o)
			if base[o.Rel] == nil {
				base[o.Rel] = map[int]int{}
			}
			// The lowest view column wins when one base column appears
			// under several names.
			if prev, ok := base[o.Rel][o.Col]; !ok || col < prev {
				base[o.Rel][o.Col] = col
			}
		}
		for rel, cols := range base {
			if _, isView := direct[rel]; !isView {
				g.views[rel] = append(g.views[rel], viewOf{oid: v.OID, cols: cols})
			}
		}
	}
	for rel := range g.views {
		slices.SortFunc(g.views[rel], func(a, b viewOf) int { return cmp.Compare(a.oid, b.oid) })
	}
	return g
}

// traceOrigin follows an origin through views until it reaches a relation
// that is not a view (or a view column that is not a plain column).
func traceOrigin(direct map[uint32]map[int]origin, o origin) origin {
	for range 100 {
		next, ok := direct[o.Rel][o.Col]
		if !ok {
			return o
		}
		o = next
	}
	return o
}

// side is one end of a foreign key as a relation exposes it: the relation
// (the key's table or a view over it) and its names for the key's columns.
type side struct {
	oid  uint32
	cols []string
}

// sides returns the key's relation with its columns, then every view that
// exposes all of cols.
func (g *relGraph) sides(oid uint32, cols []int) []side {
	out := []side{{oid: oid, cols: g.names(oid, cols)}}
	for _, v := range g.views[oid] {
		nums := make([]int, len(cols))
		ok := true
		for i, c := range cols {
			nums[i], ok = v.cols[c]
			if !ok {
				break
			}
		}
		if ok {
			out = append(out, side{oid: v.oid, cols: g.names(v.oid, nums)})
		}
	}
	return out
}

func (g *relGraph) names(oid uint32, cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = g.rels[oid].columns[c]
	}
	return out
}

// isUnique reports whether cols are exactly a primary key or unique
// constraint of the relation.
func (g *relGraph) isUnique(oid uint32, cols []int) bool {
	for _, k := range g.keys[oid] {
		if sameSet(k, cols) {
			return true
		}
	}
	return false
}

// pair is the two relationships of one foreign key from t to f.
func (g *relGraph) pair(name string, t, f side, unique bool) []*catalog.Relationship {
	there, back := catalog.ManyToOne, catalog.OneToMany
	if unique {
		there, back = catalog.OneToOne, catalog.OneToOne
	}
	forward := make([]catalog.ColumnPair, len(t.cols))
	reverse := make([]catalog.ColumnPair, len(t.cols))
	for i := range t.cols {
		forward[i] = catalog.ColumnPair{Column: t.cols[i], ForeignColumn: f.cols[i]}
		reverse[i] = catalog.ColumnPair{Column: f.cols[i], ForeignColumn: t.cols[i]}
	}
	tn, fn := g.rels[t.oid].name, g.rels[f.oid].name
	return []*catalog.Relationship{
		{Table: tn, Foreign: fn, Cardinality: there, Constraint: name, Referencing: true, Columns: forward},
		{Table: fn, Foreign: tn, Cardinality: back, Constraint: name, Columns: reverse},
	}
}

// junctions finds the many-to-many relationships: a table (not a view)
// with two different foreign keys whose columns together belong to one of
// its primary or unique keys links the two referenced relations, and the
// views over them, in both directions.
func (g *relGraph) junctions(fks []fkey) []*catalog.Relationship {
	byTable := map[uint32][]fkey{}
	for _, k := range fks {
		if !g.rels[k.table].isView {
			byTable[k.table] = append(byTable[k.table], k)
		}
	}
	var out []*catalog.Relationship
	for jt, keys := range byTable {
		for _, k1 := range keys {
			for _, k2 := range keys {
				if k1.name == k2.name || !g.inKey(jt, append(slices.Clone(k1.cols), k2.cols...)) {
					continue
				}
				for _, a := range g.sides(k1.foreign, k1.fcols) {
					for _, b := range g.sides(k2.foreign, k2.fcols) {
						out = append(out, g.manyToMany(jt, k1, k2, a, b))
					}
				}
			}
		}
	}
	slices.SortStableFunc(out, func(x, y *catalog.Relationship) int {
		return compareNames(x.Junction.Table, y.Junction.Table)
	})
	return out
}

// manyToMany is the relationship from a to b through junction jt, whose
// key k1 references a and k2 references b.
func (g *relGraph) manyToMany(jt uint32, k1, k2 fkey, a, b side) *catalog.Relationship {
	j := &catalog.Junction{
		Table:       g.rels[jt].name,
		Constraint1: k1.name,
		Constraint2: k2.name,
	}
	for i, c := range g.names(jt, k1.cols) {
		j.Source = append(j.Source, catalog.ColumnPair{Column: a.cols[i], ForeignColumn: c})
	}
	for i, c := range g.names(jt, k2.cols) {
		j.Target = append(j.Target, catalog.ColumnPair{Column: c, ForeignColumn: b.cols[i]})
	}
	return &catalog.Relationship{
		Table:       g.rels[a.oid].name,
		Foreign:     g.rels[b.oid].name,
		Cardinality: catalog.ManyToMany,
		Junction:    j,
	}
}

// inKey reports whether cols all belong to one primary or unique key.
func (g *relGraph) inKey(oid uint32, cols []int) bool {
	for _, k := range g.keys[oid] {
		all := true
		for _, c := range cols {
			if !slices.Contains(k, c) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func sameSet(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func compareNames(a, b catalog.Name) int {
	return cmp.Or(cmp.Compare(a.Schema, b.Schema), cmp.Compare(a.Name, b.Name))
}
