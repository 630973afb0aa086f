package catalog

// Function is a function of an exposed schema that can be called as
// /rpc/name. Overloads share a Name and are told apart by their arguments.
type Function struct {
	Schema string
	Name   string
	// OID is the function's pg_proc oid, for privilege checks.
	OID     uint32
	Comment string

	// Args are the input arguments (modes in, inout and variadic) in
	// declaration order. Output-only arguments are not listed here; they
	// shape Columns instead.
	Args []Arg

	// ReturnType is the declared return type as format_type prints it,
	// such as "integer", "api.items", "record" or "void".
	ReturnType string
	// ReturnsSet is true for RETURNS SETOF ... and RETURNS TABLE (...).
	ReturnsSet bool
	// Returns says how the result is shaped; see [ReturnKind].
	Returns ReturnKind
	// Columns are the result's columns when Returns is ReturnComposite:
	// the attributes of the row type, or the OUT / TABLE arguments.
	Columns []*Column

	// Volatility is VolatilityVolatile, VolatilityStable or
	// VolatilityImmutable.
	Volatility Volatility
}

// Arg is one input argument of a [Function].
type Arg struct {
	// Name is empty for an unnamed argument.
	Name string
	// Type is the argument's type as format_type prints it; for a
	// variadic argument it is the array type, such as "text[]".
	Type string
	// HasDefault is true when the argument may be left out.
	HasDefault bool
	// Variadic is true for the VARIADIC argument (always the last).
	Variadic bool
	// Mode is ArgIn, ArgInOut or ArgVariadic.
	Mode ArgMode
}

// ArgMode is an argument's mode as pg_proc.proargmodes spells it.
type ArgMode string

// The argument modes. Only the input modes appear in [Function.Args].
const (
	ArgIn       ArgMode = "i"
	ArgOut      ArgMode = "o"
	ArgInOut    ArgMode = "b"
	ArgVariadic ArgMode = "v"
	ArgTable    ArgMode = "t"
)

// ReturnKind is the shape of a function's result.
type ReturnKind int

const (
	// ReturnScalar is one value per row of a base, domain, enum, range or
	// array type (or an anonymous record without column names).
	ReturnScalar ReturnKind = iota
	// ReturnComposite is a row with named columns: a table's or composite
	// type's row, OUT arguments or RETURNS TABLE.
	ReturnComposite
	// ReturnVoid is RETURNS void.
	ReturnVoid
)

// Volatility is pg_proc.provolatile.
type Volatility string

// The volatility classes.
const (
	VolatilityVolatile  Volatility = "v"
	VolatilityStable    Volatility = "s"
	VolatilityImmutable Volatility = "i"
)

// ReadOnly reports whether the function promises not to change the
// database (STABLE or IMMUTABLE), so a call may run in a read-only
// transaction.
func (f *Function) ReadOnly() bool {
	return f.Volatility == VolatilityStable || f.Volatility == VolatilityImmutable
}

// Required lists the names of the arguments that have no default.
func (f *Function) Required() []string {
	var out []string
	for _, a := range f.Args {
		if !a.HasDefault {
			out = append(out, a.Name)
		}
	}
	return out
}

// Arg finds an input argument by name.
func (f *Function) Arg(name string) (Arg, bool) {
	for _, a := range f.Args {
		if a.Name == name && name != "" {
			return a, true
		}
	}
	return Arg{}, false
}

// AddFunction puts f into the catalog next to its overloads.
func (c *Catalog) AddFunction(f *Function) {
	if c.Functions == nil {
		c.Functions = make(map[Name][]*Function)
	}
	n := Name{f.Schema, f.Name}
	c.Functions[n] = append(c.Functions[n], f)
}

// Overloads returns every function of that schema and name.
func (c *Catalog) Overloads(schema, name string) []*Function {
	return c.Functions[Name{schema, name}]
}
