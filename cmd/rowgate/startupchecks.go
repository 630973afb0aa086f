package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/rls"
)

// logKeysUnavailable logs, at error level, each JWKS URL whose first fetch failed. The
// server starts anyway and keeps fetching, but until keys arrive every request that carries
// a token answers 503 RG001, which is worth one line at the default log level.
func logKeysUnavailable(logger *slog.Logger, v *jwks.Verifier, urls []string) {
	err := v.Ready()
	if err == nil {
		return
	}
	// Ready joins one "jwks: URL: cause" error per URL that has no keys.
	text := err.Error()
	for _, u := range urls {
		prefix := "jwks: " + u + ": "
		for line := range strings.SplitSeq(text, "\n") {
			if cause, ok := strings.CutPrefix(line, prefix); ok {
				logger.Error("cannot fetch JWT keys; requests with a token answer 503 until keys arrive",
					"url", u, "error", cause)
			}
		}
	}
}

// jwksURLs lists the JWKS URLs of the configuration: jwt-jwks-url, then each jwt-providers
// entry's.
func jwksURLs(cfg Config) []string {
	var urls []string
	if cfg.JWTJWKSURL != "" {
		urls = append(urls, cfg.JWTJWKSURL)
	}
	for _, p := range cfg.JWTProviders {
		if p.JWKSURL != "" {
			urls = append(urls, p.JWKSURL)
		}
	}
	return urls
}

// checkDatabase logs, at error level, settings that name database objects the login role
// cannot use: an exposed schema that does not exist, and a role (db-anon-role,
// jwt-default-role, a provider's default_role) that does not exist or that the login role
// is not a member of, so cannot switch to. Start-up goes on: the schema may be created and
// the grant given later (a schema cache reload picks the schema up), but until then every
// request that needs them fails. A failure to check is logged too, and ignored.
func checkDatabase(ctx context.Context, pool *pgxpool.Pool, cfg Config, logger *slog.Logger) {
	// Schemas.
	const schemaQ = `SELECT s FROM unnest($1::text[]) AS s
		WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = s)`
	rows, err := pool.Query(ctx, schemaQ, cfg.DBSchemas)
	if err == nil {
		var missing []string
		for rows.Next() {
			var s string
			if err = rows.Scan(&s); err != nil {
				break
			}
			missing = append(missing, s)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		for _, s := range missing {
			logger.Error("db-schemas: exposed schema does not exist (create it, then reload the "+
				"schema cache)", "schema", s)
		}
	}
	if err != nil {
		logger.Error("cannot check db-schemas", "error", err)
	}

	// Roles.
	for _, r := range settingRoles(cfg) {
		if err := checkRole(ctx, pool, r.key, r.role, logger); err != nil {
			logger.Error("cannot check "+r.key, "role", r.role, "error", err)
		}
	}
}

// settingRole is a role named by a setting.
type settingRole struct{ key, role string }

// settingRoles lists the roles the settings name, with their keys.
func settingRoles(cfg Config) []settingRole {
	var out []settingRole
	if cfg.DBAnonRole != "" {
		out = append(out, settingRole{"db-anon-role", cfg.DBAnonRole})
	}
	if cfg.JWTDefaultRole != "" {
		out = append(out, settingRole{"jwt-default-role", cfg.JWTDefaultRole})
	}
	for i, p := range cfg.JWTProviders {
		if p.DefaultRole != "" {
			out = append(out, settingRole{fmt.Sprintf("jwt-providers[%d].default_role", i), p.DefaultRole})
		}
	}
	return out
}

// checkRole logs when role does not exist or the login role cannot switch to it.
func checkRole(ctx context.Context, pool *pgxpool.Pool, key, role string, logger *slog.Logger) error {
	const q = `SELECT current_user::text, r.oid IS NOT NULL,
			coalesce(pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'), false)
		FROM (SELECT $1::text AS name) AS want
		LEFT JOIN pg_catalog.pg_roles r ON r.rolname = want.name`
	var login string
	var exists, member bool
	if err := pool.QueryRow(ctx, q, role).Scan(&login, &exists, &member); err != nil {
		return err
	}
	switch {
	case !exists:
		logger.Error(key+": role does not exist; requests as it fail", "role", role)
	case !member:
		logger.Error(key+": the login role cannot switch to this role; requests as it fail "+
			"until it is granted (GRANT "+rls.QuoteIdent(role)+" TO "+rls.QuoteIdent(login)+")", "role", role, "login", login)
	}
	return nil
}
