package test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestMistypedFilterOnWrite: PostgREST ignores a parameter whose value has
// no known operator, so `id=eqq.6` on a DELETE would remove every row the
// caller can reach. rowgate refuses the write instead and keeps reads as
// PostgREST has them.
func TestMistypedFilterOnWrite(t *testing.T) {
	t.Parallel()
	alice := token(t, userA, nil)
	a := insertAs(t, userA, "typo-a", false)
	b := insertAs(t, userA, "typo-b", false)

	for _, method := range []string{http.MethodDelete, http.MethodPatch} {
		path := fmt.Sprintf("/items?id=eqq.%d", a.ID)
		r := call(t, method, path, alice, `{"name":"typo-changed"}`)
		if method == http.MethodDelete {
			r = call(t, method, path, alice, "")
		}
		expectError(t, r, http.StatusBadRequest, "PGRST100")
	}

	// Both rows are untouched.
	r := call(t, http.MethodGet, fmt.Sprintf("/items?select=name&id=in.(%d,%d)&order=id", a.ID, b.ID), alice, "")
	if string(r.Body) != `[{"name":"typo-a"}, `+"\n"+` {"name":"typo-b"}]` {
		t.Fatalf("rows changed by a refused write: %s", r.Body)
	}
	// A read with the same typo still answers, as in PostgREST.
	r = call(t, http.MethodGet, fmt.Sprintf("/items?select=id&id=eqq.%d", a.ID), alice, "")
	if r.Status != http.StatusOK {
		t.Fatalf("read with an unknown parameter: %d %s", r.Status, r.Body)
	}
}
