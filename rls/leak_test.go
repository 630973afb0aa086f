package rls_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/rowgate/rowgate/rls"
)

// leakProbe shows who the statement runs as and which private rows it sees.
const leakProbe = `SELECT count(*), -1::bigint, json_build_object(
	'user', current_user,
	'sub', auth.user_id(),
	'path', current_setting('request.path', true),
	'headers', current_setting('request.headers', true),
	'private_owners', coalesce(json_agg(DISTINCT i.owner) FILTER (WHERE NOT i.public), '[]')
)::text, NULL::text, NULL::text FROM api.items i`

type leakSeen struct {
	User          string   `json:"user"`
	Sub           *string  `json:"sub"`
	Path          string   `json:"path"`
	Headers       string   `json:"headers"`
	PrivateOwners []string `json:"private_owners"`
}

// TestNoLeak runs many requests of three identities through two
// connections, with failing and rolled-back requests mixed in, and checks
// that each sees only its own identity, settings and rows.
func TestNoLeak(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rls.NewRunner(e.pool(t, 2, execModes[0]))

	const n = 500
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if err := leakRun(r, i); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// leakRun runs request i as one of three identities and checks what it saw.
func leakRun(r *rls.Runner, i int) error {
	ctx := context.Background()
	var env *rls.Env
	var wantUser, wantSub string
	switch i % 3 {
	case 0:
		env, wantUser, wantSub = userEnv(userA), "authenticated", userA
	case 1:
		env, wantUser, wantSub = userEnv(userB), "authenticated", userB
	default:
		env, wantUser = anonEnv(), "anon"
	}
	env.Path = fmt.Sprintf("/leak/%d", i)
	env.Headers = fmt.Appendf(nil, `{"x-request":"%d"}`, i)

	switch {
	case i%7 == 0:
		// A failing request between the others.
		_, err := r.Run(ctx, env, "SELECT 1/0, 0::bigint, ''::text, ''::text, ''::text", nil)
		if err == nil {
			return fmt.Errorf("request %d: division by zero succeeded", i)
		}
		return nil
	case i%5 == 0:
		env.Rollback = true
	}

	res, err := r.Run(ctx, env, leakProbe, nil)
	if err != nil {
		return fmt.Errorf("request %d: %w", i, err)
	}
	var seen leakSeen
	if err := json.Unmarshal(res.Body, &seen); err != nil {
		return fmt.Errorf("request %d: %s: %w", i, res.Body, err)
	}
	sub := ""
	if seen.Sub != nil {
		sub = *seen.Sub
	}
	if seen.User != wantUser || sub != wantSub || seen.Path != env.Path ||
		seen.Headers != string(env.Headers) {
		return fmt.Errorf("request %d as %s/%s saw %+v", i, wantUser, wantSub, seen)
	}
	for _, owner := range seen.PrivateOwners {
		if owner != wantSub {
			return fmt.Errorf("request %d as %s/%s saw a private row of %s", i, wantUser, wantSub, owner)
		}
	}
	return nil
}
