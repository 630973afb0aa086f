package rls_test

import (
	"context"
	"testing"

	"github.com/rowgate/rowgate/rls"
	pgsql "github.com/rowgate/rowgate/sql"
	"github.com/rowgate/rowgate/sql/pgtest"
)

// newBenchEnv is newEnv for benchmarks.
func newBenchEnv(b *testing.B) *env {
	b.Helper()
	ctx := context.Background()
	db := pgtest.New(b)
	admin := db.Admin(b)
	if _, err := pgsql.Setup(ctx, admin, pgsql.SetupOptions{}); err != nil {
		b.Fatalf("Setup: %v", err)
	}
	if _, err := admin.Exec(ctx, fixture); err != nil {
		b.Fatalf("fixture: %v", err)
	}
	return &env{db: db, admin: admin}
}

// BenchmarkRun measures one request's transaction through the runner
// against the test database, with and without prepared statements.
func BenchmarkRun(b *testing.B) {
	e := newBenchEnv(b)
	const one = `SELECT count(*), -1::bigint, coalesce(json_agg(i.*), '[]')::text,
		NULL::text, NULL::text FROM api.items i WHERE i.id = $1::text::bigint`
	for _, size := range []int{0, rls.DefaultStatementCacheSize} {
		name := "prepared"
		if size == 0 {
			name = "unnamed"
		}
		b.Run(name, func(b *testing.B) {
			r := rls.NewRunner(e.db.Pool(b, "authenticator", 4, nil))
			r.StatementCacheSize = size
			env := userEnv(userA)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := r.Run(context.Background(), env, one, []any{1}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
