package test

import (
	"net/http"
	"strconv"
	"testing"
)

// TestPreparedStatementsSetting: by default each pooled connection keeps
// the statements it ran prepared; db-prepared-statements = false sends
// every statement unnamed, as a pooler in transaction mode needs.
func TestPreparedStatementsSetting(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		setting string
		want    func(n int) bool
	}{
		{"true", func(n int) bool { return n > 0 }},
		{"false", func(n int) bool { return n == 0 }},
	} {
		gw, err := startGateway(map[string]string{
			"PGRST_DB_URI":                 env.apiURI,
			"PGRST_DB_ANON_ROLE":           "anon",
			"PGRST_DB_POOL":                "1",
			"PGRST_DB_PREPARED_STATEMENTS": c.setting,
			"ROWGATE_JWT_JWKS_URL":         env.jwks.URL,
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for i := 0; i < 3; i++ {
			r, err := doCall(http.MethodGet, gw.base+"/rpc/prepared_count", "", "")
			if err != nil || r.Status != http.StatusOK {
				gw.stop()
				t.Fatalf("prepared=%s: %v %+v", c.setting, err, r)
			}
			n, _ = strconv.Atoi(string(r.Body))
		}
		gw.stop()
		if !c.want(n) {
			t.Errorf("db-prepared-statements=%s: the session holds %d prepared statements", c.setting, n)
		}
	}
}
