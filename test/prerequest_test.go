package test

import (
	"net/http"
	"testing"
)

// TestPreRequest runs a gateway with db-pre-request set: the function sees
// the request's headers and can refuse it before the main statement runs.
func TestPreRequest(t *testing.T) {
	t.Parallel()
	gw, err := startGateway(map[string]string{
		"PGRST_DB_URI":         env.apiURI,
		"PGRST_DB_ANON_ROLE":   "anon",
		"PGRST_DB_PRE_REQUEST": "public.check_request",
		"ROWGATE_JWT_JWKS_URL": env.jwks.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.stop()

	r, err := doCall(http.MethodGet, gw.base+"/categories?select=name&id=eq.1", "", "")
	if err != nil || r.Status != http.StatusOK || string(r.Body) != `[{"name":"tools"}]` {
		t.Fatalf("allowed request: %v %+v", err, r)
	}
	r, err = doCall(http.MethodGet, gw.base+"/categories", "", "", "X-Blocked: yes")
	if err != nil {
		t.Fatal(err)
	}
	obj := expectError(t, r, http.StatusBadRequest, "P0001")
	if obj["message"] != "blocked by the pre-request function" || obj["hint"] != "drop the x-blocked header" {
		t.Fatalf("error object %s", r.Body)
	}
}
