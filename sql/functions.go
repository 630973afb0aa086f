package pgsql

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

//go:embed functions.sql
var functionsSQL string

// catalogFunction is one element of the JSON document functions.sql
// returns.
type catalogFunction struct {
	Schema      string          `json:"schema"`
	Name        string          `json:"name"`
	OID         uint32          `json:"oid"`
	Comment     string          `json:"comment"`
	ReturnType  string          `json:"return_type"`
	ReturnsSet  bool            `json:"returns_set"`
	ReturnsVoid bool            `json:"returns_void"`
	Volatility  string          `json:"volatility"`
	Args        []catalogArg    `json:"args"`
	Columns     []catalogColumn `json:"columns"`
}

type catalogArg struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Mode       string `json:"mode"`
	HasDefault bool   `json:"has_default"`
}

// loadFunctions reads the functions of schemas with one query and adds
// them to cat.
func loadFunctions(ctx context.Context, q Querier, schemas []string, cat *catalog.Catalog) error {
	var doc string
	if err := q.QueryRow(ctx, functionsSQL, schemas).Scan(&doc); err != nil {
		return fmt.Errorf("query functions: %w", err)
	}
	var fns []catalogFunction
	if err := json.Unmarshal([]byte(doc), &fns); err != nil {
		return fmt.Errorf("decode functions: %w", err)
	}
	for _, f := range fns {
		cat.AddFunction(newFunction(f))
	}
	return nil
}

// newFunction converts one decoded function.
func newFunction(f catalogFunction) *catalog.Function {
	fn := &catalog.Function{
		Schema:     f.Schema,
		Name:       f.Name,
		OID:        f.OID,
		Comment:    f.Comment,
		ReturnType: f.ReturnType,
		ReturnsSet: f.ReturnsSet,
		Volatility: catalog.Volatility(f.Volatility),
		Args:       make([]catalog.Arg, 0, len(f.Args)),
	}
	for _, a := range f.Args {
		fn.Args = append(fn.Args, catalog.Arg{
			Name:       a.Name,
			Type:       a.Type,
			HasDefault: a.HasDefault,
			Variadic:   a.Mode == string(catalog.ArgVariadic),
			Mode:       catalog.ArgMode(a.Mode),
		})
	}
	for _, c := range f.Columns {
		fn.Columns = append(fn.Columns, &catalog.Column{
			Name:     c.Name,
			Type:     c.Type,
			Nullable: c.Nullable,
			Comment:  c.Comment,
		})
	}
	switch {
	case f.ReturnsVoid:
		fn.Returns = catalog.ReturnVoid
	case len(fn.Columns) > 0:
		fn.Returns = catalog.ReturnComposite
	default:
		fn.Returns = catalog.ReturnScalar
	}
	return fn
}
