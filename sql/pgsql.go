// Package pgsql holds rowgate's SQL: the roles and the auth schema that
// Setup installs, the demo schema, and the query that loads the schema
// catalog. The .sql files are embedded; the Go code runs them with pgx.
//
// The folder is named sql; the package is named pgsql so that importers can
// use database/sql next to it.
package pgsql

import (
	"context"
	_ "embed"

	"github.com/jackc/pgx/v5"
)

var (
	//go:embed roles.sql
	rolesSQL string

	//go:embed auth.sql
	authSQL string

	//go:embed demo.sql
	demoSQL string

	//go:embed catalog.sql
	catalogSQL string
)

// Querier runs a query that returns one row. *pgx.Conn, *pgxpool.Pool and
// pgx.Tx all satisfy it.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}
