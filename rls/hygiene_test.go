package rls_test

import (
	"testing"

	"github.com/rowgate/rowgate/rls"
)

// TestResponseSettingsDoNotOutliveTheirRequest: a function that sets
// response.headers or response.status at session level (is_local false)
// leaves them on the pooled connection; the next request, of another
// user, must not answer with them.
func TestResponseSettingsDoNotOutliveTheirRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			r := rls.NewRunner(e.pool(t, 1, mode))

			const careless = `SELECT 0::bigint, -1::bigint, NULL::text,
				set_config('response.headers', '[{"Location":"https://evil.example/"}]', false),
				set_config('response.status', '302', false)`
			res := run(t, r, userEnv(userB), careless)
			if res.Status != "302" {
				t.Fatalf("setup: status %q", res.Status)
			}

			res = run(t, r, userEnv(userA), selectItems)
			if res.Headers != "" || res.Status != "" {
				t.Fatalf("next request inherits headers %q and status %q", res.Headers, res.Status)
			}
		})
	}
}
