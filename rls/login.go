package rls

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrPrivilegedLogin is wrapped by [CheckLogin]'s error when the login role
// would bypass Row-Level Security.
var ErrPrivilegedLogin = errors.New("login role bypasses row-level security")

// CheckLogin refuses a pool whose login role is a superuser or has
// BYPASSRLS: every policy would be skipped for every request. Development
// databases may pass allowPrivileged to accept it anyway. The error names
// the role and the attribute.
func CheckLogin(ctx context.Context, pool *pgxpool.Pool, allowPrivileged bool) error {
	var user string
	var super, bypass bool
	const q = `SELECT r.rolname, r.rolsuper, r.rolbypassrls
		FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`
	if err := pool.QueryRow(ctx, q).Scan(&user, &super, &bypass); err != nil {
		return fmt.Errorf("check login role: %w", err)
	}
	if allowPrivileged {
		return nil
	}
	switch {
	case super:
		return fmt.Errorf("rls: login role %q is a superuser: %w; "+
			"log in as a role such as authenticator, or allow a privileged login "+
			"only on a development database", user, ErrPrivilegedLogin)
	case bypass:
		return fmt.Errorf("rls: login role %q has BYPASSRLS: %w; "+
			"log in as a role without it, or allow a privileged login "+
			"only on a development database", user, ErrPrivilegedLogin)
	}
	return nil
}
