package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/querybuilder/catalog"
	"github.com/rowgate/rowgate/rls"
)

// The benchmarks below measure the gateway's own cost per request: routing,
// token check (a real verifier with a real ES256 key), parsing, building the
// SQL and writing the response. The database is replaced by an Executor that
// returns a fixed result without looking at the statement, so these numbers
// say nothing about correctness; the end-to-end tests do.

// fixedResult is an Executor that answers every statement with one result.
type fixedResult struct{ res rls.Result }

func (f fixedResult) Run(_ context.Context, env *rls.Env, sql string, _ []any) (*rls.Result, error) {
	if env.Role == "" || sql == "" {
		panic("benchmark: empty role or statement")
	}
	r := f.res
	return &r, nil
}

// benchWriter is a ResponseWriter that keeps nothing but the status.
type benchWriter struct {
	h      http.Header
	status int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(code int)        { w.status = code }

func benchCatalog() *catalog.Catalog {
	cat := catalog.New([]string{"public"})
	cat.Add(&catalog.Table{
		Schema: "public", Name: "items", Insertable: true, Updatable: true, Deletable: true,
		PrimaryKey: []string{"id"},
		Columns: []*catalog.Column{
			{Name: "id", Type: "bigint"},
			{Name: "owner", Type: "uuid", Default: "auth.uid()"},
			{Name: "title", Type: "text"},
			{Name: "amount", Type: "integer", Default: "0"},
			{Name: "created_at", Type: "timestamp with time zone", Default: "now()"},
		},
	})
	cat.AddFunction(&catalog.Function{
		Schema: "public", Name: "count_items", ReturnType: "bigint",
		Args:       []catalog.Arg{{Name: "min_amount", Type: "integer"}},
		Returns:    catalog.ReturnScalar,
		Volatility: catalog.VolatilityStable,
	})
	return cat
}

// benchServer is a Server with a real ES256 verifier (cache of cacheSize
// entries) and a fixed database answer, and a valid token for it.
func benchServer(b *testing.B, cacheSize int, res rls.Result) (*Server, string) {
	b.Helper()
	key, err := jwks.GenerateKeyPair("ES256", "bench")
	if err != nil {
		b.Fatal(err)
	}
	v, err := jwks.New(context.Background(), jwks.Config{
		JWKS: key.PublicJWKS(), Audience: "bench", CacheMaxEntries: cacheSize,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(v.Close)
	tok, err := key.Sign(map[string]any{
		"sub": "00000000-0000-4000-8000-000000000042", "role": "authenticated", "aud": "bench",
	}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	cat := benchCatalog()
	s := New(Options{Auth: v, DB: fixedResult{res}, Catalog: func() *catalog.Catalog { return cat }})
	return s, tok
}

func benchRequests(b *testing.B, s *Server, tok, method, target, body string, want int) {
	b.Helper()
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req := httptest.NewRequest(method, target, rd)
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		clear(w.h)
		w.status = 0
		s.ServeHTTP(w, req)
		if w.status != want {
			b.Fatalf("%s %s: status %d, want %d", method, target, w.status, want)
		}
	}
}

var oneRow = rls.Result{PageTotal: 1, Total: -1,
	Body: []byte(`[{"id":42,"owner":"00000000-0000-4000-8000-000000000042","title":"item 42","amount":42,"created_at":"2024-01-01T00:00:42+00:00"}]`)}

func BenchmarkGetOne(b *testing.B) {
	s, tok := benchServer(b, 1000, oneRow)
	benchRequests(b, s, tok, http.MethodGet, "/items?id=eq.42", "", http.StatusOK)
}

func BenchmarkGetOneNoTokenCache(b *testing.B) {
	s, tok := benchServer(b, 0, oneRow)
	benchRequests(b, s, tok, http.MethodGet, "/items?id=eq.42", "", http.StatusOK)
}

func BenchmarkList20(b *testing.B) {
	s, tok := benchServer(b, 1000, rls.Result{PageTotal: 20, Total: -1,
		Body: []byte(strings.Repeat(string(oneRow.Body), 20))})
	benchRequests(b, s, tok, http.MethodGet, "/items?order=created_at.desc&limit=20", "", http.StatusOK)
}

func BenchmarkInsert(b *testing.B) {
	s, tok := benchServer(b, 1000, rls.Result{PageTotal: 1, Total: -1})
	benchRequests(b, s, tok, http.MethodPost, "/items", `{"title":"bench","amount":7}`, http.StatusCreated)
}

func BenchmarkRPC(b *testing.B) {
	s, tok := benchServer(b, 1000, rls.Result{PageTotal: 1, Total: -1, Body: []byte("42")})
	benchRequests(b, s, tok, http.MethodPost, "/rpc/count_items", `{"min_amount":500}`, http.StatusOK)
}
