package pgsql_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	pgsql "github.com/rowgate/rowgate/sql"
	"github.com/rowgate/rowgate/sql/pgtest"
)

// setup runs Setup on a fresh database and returns it with an admin conn.
func setup(t *testing.T) (*pgtest.DB, *pgx.Conn) {
	t.Helper()
	db := pgtest.New(t)
	conn := db.Admin(t)
	if _, err := pgsql.Setup(context.Background(), conn, pgsql.SetupOptions{}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	return db, conn
}

func TestSetupTwiceReportsExisting(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn := setup(t)

	rep, err := pgsql.Setup(ctx, conn, pgsql.SetupOptions{})
	if err != nil {
		t.Fatalf("second Setup: %v", err)
	}
	for _, want := range []string{
		"role authenticator exists",
		"role anon exists",
		"role authenticated exists",
		"role anon already granted to authenticator",
		"schema auth exists",
	} {
		if !slices.Contains(rep.Steps, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}

	// The roles have the attributes rowgate relies on.
	var login, inherit, super, bypass bool
	const q = `SELECT rolcanlogin, rolinherit, rolsuper, rolbypassrls
		FROM pg_roles WHERE rolname = 'authenticator'`
	if err := conn.QueryRow(ctx, q).Scan(&login, &inherit, &super, &bypass); err != nil {
		t.Fatal(err)
	}
	if !login || super || bypass {
		t.Errorf("authenticator login=%v super=%v bypassrls=%v", login, super, bypass)
	}
	var members []string
	const qm = `SELECT array_agg(r.rolname ORDER BY r.rolname) FROM pg_auth_members m
		JOIN pg_roles r ON r.oid = m.roleid
		JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'authenticator'`
	if err := conn.QueryRow(ctx, qm).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(members, "anon") || !slices.Contains(members, "authenticated") {
		t.Errorf("authenticator is member of %v", members)
	}
}

func TestSetupCustomRolesReportCreation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn := db.Admin(t)

	// Role names unique to this run, so creation is observable.
	suffix := db.Name[len("rowgate_test_"):]
	opts := pgsql.SetupOptions{
		Authenticator:         "rg_auth_" + suffix,
		AuthenticatorPassword: "s3cret 'quoted'",
		AnonRole:              "rg Anon " + suffix,
		UserRole:              "rg_user_" + suffix,
	}
	t.Cleanup(func() {
		for _, r := range []string{opts.Authenticator, opts.AnonRole, opts.UserRole} {
			_, _ = conn.Exec(context.Background(), "DROP OWNED BY "+pgx.Identifier{r}.Sanitize())
			_, _ = conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+pgx.Identifier{r}.Sanitize())
		}
	})

	rep, err := pgsql.Setup(ctx, conn, opts)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	for _, want := range []string{
		"created role " + opts.Authenticator,
		"created role " + opts.AnonRole,
		"created role " + opts.UserRole,
		"set password of role " + opts.Authenticator,
		"granted role " + opts.AnonRole + " to " + opts.Authenticator,
	} {
		if !slices.Contains(rep.Steps, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}

	var hasPassword, canUse bool
	q := `SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = $1`
	if err := conn.QueryRow(ctx, q, opts.Authenticator).Scan(&hasPassword); err != nil {
		t.Fatal(err)
	}
	q = `SELECT has_function_privilege($1, 'auth.uid()', 'EXECUTE')
		AND has_schema_privilege($1, 'auth', 'USAGE')`
	if err := conn.QueryRow(ctx, q, opts.AnonRole).Scan(&canUse); err != nil {
		t.Fatal(err)
	}
	if !hasPassword || !canUse {
		t.Errorf("password set %v, anon may use auth %v", hasPassword, canUse)
	}
}

func TestSetupConcurrentDatabases(t *testing.T) {
	t.Parallel()
	const n = 4
	dbs := make([]*pgtest.DB, n)
	conns := make([]*pgx.Conn, n)
	dbs[0] = pgtest.New(t)
	conns[0] = dbs[0].Admin(t)

	// Fresh role names shared by all databases, so every Setup races to
	// create the same roles.
	suffix := dbs[0].Name[len("rowgate_test_"):]
	opts := pgsql.SetupOptions{
		Authenticator: "rg_cauth_" + suffix,
		AnonRole:      "rg_canon_" + suffix,
		UserRole:      "rg_cuser_" + suffix,
	}
	// Cleanups run last-in first-out: this one runs after databases 1..n-1
	// are dropped and before database 0 is.
	t.Cleanup(func() {
		ctx := context.Background()
		for _, r := range []string{opts.Authenticator, opts.AnonRole, opts.UserRole} {
			id := pgx.Identifier{r}.Sanitize()
			if _, err := conns[0].Exec(ctx, "DROP OWNED BY "+id); err != nil {
				t.Errorf("drop owned by %s: %v", r, err)
			}
			if _, err := conns[0].Exec(ctx, "DROP ROLE "+id); err != nil {
				t.Errorf("drop role %s: %v", r, err)
			}
		}
	})

	for i := 1; i < n; i++ {
		dbs[i] = pgtest.New(t)
		conns[i] = dbs[i].Admin(t)
	}

	var wg sync.WaitGroup
	reps := make([]pgsql.Report, n)
	errs := make([]error, n)
	for i := range conns {
		wg.Go(func() {
			reps[i], errs[i] = pgsql.Setup(context.Background(), conns[i], opts)
		})
	}
	wg.Wait()

	created := 0
	for i, err := range errs {
		if err != nil {
			t.Errorf("Setup in database %d: %v", i, err)
		}
		if slices.Contains(reps[i].Steps, "created role "+opts.Authenticator) {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d runs report creating the authenticator, want 1", created)
	}
}

func TestAuthFunctions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, conn := setup(t)

	tests := []struct {
		name    string
		claims  *string // nil: setting never set
		uid     *string
		userID  *string
		role    *string
		jwtText string
	}{
		{name: "unset", claims: nil, jwtText: "{}"},
		{name: "empty", claims: ptr(""), jwtText: "{}"},
		{
			name:    "uuid sub",
			claims:  ptr(`{"sub":"A11CE000-0000-4000-8000-00000000000A","role":"authenticated"}`),
			uid:     ptr("a11ce000-0000-4000-8000-00000000000a"),
			userID:  ptr("A11CE000-0000-4000-8000-00000000000A"),
			role:    ptr("authenticated"),
			jwtText: `{"sub": "A11CE000-0000-4000-8000-00000000000A", "role": "authenticated"}`,
		},
		{
			name:    "uuid without hyphens",
			claims:  ptr(`{"sub":"a11ce00000004000800000000000000a"}`),
			uid:     ptr("a11ce000-0000-4000-8000-00000000000a"),
			userID:  ptr("a11ce00000004000800000000000000a"),
			jwtText: `{"sub": "a11ce00000004000800000000000000a"}`,
		},
		{
			name:    "clerk sub",
			claims:  ptr(`{"sub":"user_2abc","role":"anon"}`),
			userID:  ptr("user_2abc"),
			role:    ptr("anon"),
			jwtText: `{"sub": "user_2abc", "role": "anon"}`,
		},
		{
			name:    "almost a uuid",
			claims:  ptr(`{"sub":"a11ce000-0000-4000-8000-00000000000g"}`),
			userID:  ptr("a11ce000-0000-4000-8000-00000000000g"),
			jwtText: `{"sub": "a11ce000-0000-4000-8000-00000000000g"}`,
		},
		{
			name:    "numeric sub",
			claims:  ptr(`{"sub":42}`),
			userID:  ptr("42"),
			jwtText: `{"sub": 42}`,
		},
		{name: "array claims", claims: ptr(`[1]`), jwtText: `[1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var uid, userID, role *string
			var jwtText string
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if tt.claims != nil {
					const q = "SELECT set_config('request.jwt.claims', $1, true)"
					if _, err := tx.Exec(ctx, q, *tt.claims); err != nil {
						return err
					}
				}
				const q = "SELECT auth.uid()::text, auth.user_id(), auth.role(), auth.jwt()::text"
				return tx.QueryRow(ctx, q).Scan(&uid, &userID, &role, &jwtText)
			})
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			if !eqPtr(uid, tt.uid) || !eqPtr(userID, tt.userID) || !eqPtr(role, tt.role) {
				t.Errorf("uid=%v user_id=%v role=%v, want %v %v %v",
					str(uid), str(userID), str(role), str(tt.uid), str(tt.userID), str(tt.role))
			}
			if jwtText != tt.jwtText {
				t.Errorf("jwt = %s, want %s", jwtText, tt.jwtText)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func str(p *string) string {
	if p == nil {
		return "NULL"
	}
	return *p
}
