package pgsql

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Default role names used when [SetupOptions] leaves them empty.
const (
	DefaultAuthenticator = "authenticator"
	DefaultAnonRole      = "anon"
	DefaultUserRole      = "authenticated"
)

// SetupOptions configures [Setup]. The zero value is ready to use.
type SetupOptions struct {
	// Authenticator is the role rowgate logs in as; default "authenticator".
	// It is created LOGIN NOINHERIT.
	Authenticator string
	// AuthenticatorPassword, when not empty, is set as the authenticator's
	// password on every run. Empty leaves the password as it is (none for a
	// new role, which suits trust or peer authentication).
	AuthenticatorPassword string
	// AnonRole is the role of requests without a token; default "anon".
	AnonRole string
	// UserRole is the role of requests with a valid token that names no
	// other role; default "authenticated".
	UserRole string
}

func (o SetupOptions) withDefaults() SetupOptions {
	if o.Authenticator == "" {
		o.Authenticator = DefaultAuthenticator
	}
	if o.AnonRole == "" {
		o.AnonRole = DefaultAnonRole
	}
	if o.UserRole == "" {
		o.UserRole = DefaultUserRole
	}
	return o
}

// Report lists what [Setup] did, one human-readable line per step, such as
// "created role authenticator" or "role anon exists".
type Report struct {
	Steps []string
}

func (r *Report) addf(format string, args ...any) {
	r.Steps = append(r.Steps, fmt.Sprintf(format, args...))
}

// String returns the steps, one per line.
func (r Report) String() string {
	return strings.Join(r.Steps, "\n")
}

// Setup installs rowgate's roles, the auth schema and the neon_auth schema
// of the built-in auth service into the database conn is connected to. conn must belong to a role that may create roles and
// schemas (a superuser in practice).
//
// Setup is idempotent: existing roles are kept as they are (only the
// password is set again when given), functions are replaced. It is safe to
// run concurrently in different databases of one cluster, where the roles
// are shared.
func Setup(ctx context.Context, conn *pgx.Conn, opts SetupOptions) (Report, error) {
	opts = opts.withDefaults()
	var rep Report

	// The helpers are temporary functions of this session.
	if _, err := conn.Exec(ctx, rolesSQL); err != nil {
		return rep, fmt.Errorf("install role helpers: %w", err)
	}

	// Roles.
	roles := []struct {
		name           string
		login, inherit bool
	}{
		{opts.Authenticator, true, false},
		{opts.AnonRole, false, true},
		{opts.UserRole, false, true},
	}
	for _, r := range roles {
		if err := ensureRole(ctx, conn, &rep, r.name, r.login, r.inherit); err != nil {
			return rep, err
		}
	}
	if opts.AuthenticatorPassword != "" {
		const q = "SELECT pg_temp.rowgate_set_password($1, $2)"
		if _, err := conn.Exec(ctx, q, opts.Authenticator, opts.AuthenticatorPassword); err != nil {
			return rep, fmt.Errorf("set password of role %s: %w", opts.Authenticator, err)
		}
		rep.addf("set password of role %s", opts.Authenticator)
	}

	// The authenticator may switch to the request roles.
	for _, granted := range []string{opts.AnonRole, opts.UserRole} {
		err := grantMembership(ctx, conn, &rep, granted, opts.Authenticator)
		if err != nil {
			return rep, err
		}
	}

	// Schema auth and its functions.
	var exists bool
	const q = "SELECT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'auth')"
	if err := conn.QueryRow(ctx, q).Scan(&exists); err != nil {
		return rep, fmt.Errorf("look up schema auth: %w", err)
	}
	if _, err := conn.Exec(ctx, authSQL); err != nil {
		return rep, fmt.Errorf("install schema auth: %w", err)
	}
	if exists {
		rep.addf("schema auth exists")
	} else {
		rep.addf("created schema auth")
	}
	rep.addf("installed functions auth.uid(), auth.user_id(), auth.role(), auth.jwt()")

	for _, role := range []string{opts.AnonRole, opts.UserRole} {
		if _, err := conn.Exec(ctx, "SELECT pg_temp.rowgate_grant_auth($1)", role); err != nil {
			return rep, fmt.Errorf("grant schema auth to %s: %w", role, err)
		}
		rep.addf("granted usage of schema auth and its functions to %s", role)
	}

	// Schema neon_auth, the storage of the built-in auth service.
	if err := setupNeonAuth(ctx, conn, &rep, opts.Authenticator); err != nil {
		return rep, err
	}
	return rep, nil
}

func ensureRole(ctx context.Context, conn *pgx.Conn, rep *Report, name string, login, inherit bool) error {
	var created bool
	const q = "SELECT pg_temp.rowgate_ensure_role($1, $2, $3)"
	if err := conn.QueryRow(ctx, q, name, login, inherit).Scan(&created); err != nil {
		return fmt.Errorf("create role %s: %w", name, err)
	}
	if created {
		rep.addf("created role %s", name)
	} else {
		rep.addf("role %s exists", name)
	}
	return nil
}

func grantMembership(ctx context.Context, conn *pgx.Conn, rep *Report, granted, member string) error {
	var done bool
	const q = "SELECT pg_temp.rowgate_grant_membership($1, $2)"
	if err := conn.QueryRow(ctx, q, granted, member).Scan(&done); err != nil {
		return fmt.Errorf("grant role %s to %s: %w", granted, member, err)
	}
	if done {
		rep.addf("granted role %s to %s", granted, member)
	} else {
		rep.addf("role %s already granted to %s", granted, member)
	}
	return nil
}
