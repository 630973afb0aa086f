package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	pgsql "github.com/rowgate/rowgate/sql"
)

// runSetup implements `rowgate setup`: roles and the auth schema.
func runSetup(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("setup", "setup --db-uri URI [--anon-role NAME]", stdout)
	dbURI := fs.String("db-uri", "", "superuser URI of the database to set up")
	anonRole := fs.String("anon-role", "anon", "name of the anonymous role")
	authPassword := fs.String("authenticator-password", "", "password for the authenticator role (optional)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbURI == "" {
		return errors.New("setup: --db-uri is required")
	}
	conn, err := pgx.Connect(ctx, *dbURI)
	if err != nil {
		return fmt.Errorf("setup: cannot connect: %w", err)
	}
	defer conn.Close(context.Background())

	report, err := pgsql.Setup(ctx, conn, pgsql.SetupOptions{
		AnonRole: *anonRole, AuthenticatorPassword: *authPassword,
	})
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	for _, line := range report.Steps {
		fmt.Fprintln(stdout, line)
	}
	return nil
}
