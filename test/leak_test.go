package test

import (
	"encoding/json"

	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestNoLeakAcrossPooledConnections sends 500 interleaved requests from
// three identities through a gateway whose pool holds two connections. If
// any transaction-local setting survived on a connection, some request
// would see another identity's rows.
func TestNoLeakAcrossPooledConnections(t *testing.T) {
	t.Parallel()
	users := []string{userA, userB, userC}
	for _, u := range users {
		for i := 0; i < 2; i++ {
			insertAs(t, u, fmt.Sprintf("leak-%s-%d", u[:8], i), false)
		}
	}
	toks := map[string]string{}
	for _, u := range users {
		toks[u] = token(t, u, nil)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 500)
	sem := make(chan struct{}, 24)
	for i := 0; i < 500; i++ {
		who := "anon"
		if i%4 != 3 {
			who = users[i%4]
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, who string) {
			defer wg.Done()
			defer func() { <-sem }()
			errs <- checkOwnRows(who, toks[who])
		}(i, who)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// checkOwnRows asks for every leak-* row and checks all of them belong to
// who (the anonymous role sees none, as they are private).
func checkOwnRows(who, tok string) error {
	r, err := doCall(http.MethodGet, env.gw.base+"/items?select=owner&name=like.leak-*", tok, "")
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("%s: status %d %s", who, r.Status, r.Body)
	}
	var rows []struct{ Owner string }
	if err := json.Unmarshal(r.Body, &rows); err != nil {
		return err
	}
	if who == "anon" {
		if len(rows) != 0 {
			return fmt.Errorf("anonymous saw %d private rows", len(rows))
		}
		return nil
	}
	if len(rows) != 2 {
		return fmt.Errorf("%s saw %d rows, want 2: %s", who, len(rows), r.Body)
	}
	for _, row := range rows {
		if row.Owner != who {
			return fmt.Errorf("%s saw a row of %s", who, row.Owner)
		}
	}
	return nil
}
