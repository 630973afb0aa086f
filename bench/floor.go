package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/querybuilder/catalog"
	"github.com/rowgate/rowgate/rls"
)

// floorReq is one prepared transaction of the floor: the statement rowgate
// builds for a request and the identity it runs it under.
type floorReq struct {
	env  *rls.Env
	sql  string
	args []any
}

// floorWork builds, for every user, the transaction rowgate runs for s:
// the same statement (from the query builder, on the same schema cache),
// and the same settings (claims from the user's token, the headers wrk
// sends).
func floorWork(cat *catalog.Catalog, s scenario, u *users, host string) ([]floorReq, error) {
	var work []floorReq
	for n := range numUsers {
		target, err := url.Parse(s.target(n))
		if err != nil {
			return nil, err
		}
		r := builderRequest(s, s.target(n))
		sql, args, readOnly, err := floorStatement(cat, r)
		if err != nil {
			return nil, err
		}
		claims, err := tokenClaims(u.tokens[n])
		if err != nil {
			return nil, err
		}
		work = append(work, floorReq{
			env: &rls.Env{
				Role:       "authenticated",
				Claims:     claims,
				Method:     s.method,
				Path:       target.Path,
				Headers:    wrkHeaders(host, u.tokens[n], s.body),
				Cookies:    []byte("{}"),
				SearchPath: []string{"public", "public"},
				ReadOnly:   readOnly,
			},
			sql:  sql,
			args: args,
		})
	}
	return work, nil
}

// builderRequest is the query builder's view of scenario s's request for
// target.
func builderRequest(s scenario, target string) *querybuilder.Request {
	path, rawQuery, _ := strings.Cut(target, "?")
	r := &querybuilder.Request{
		Method:     s.method,
		Schema:     "public",
		Resource:   strings.TrimPrefix(path, "/"),
		RawQuery:   rawQuery,
		Prefer:     querybuilder.ParsePrefer(nil),
		Media:      querybuilder.MediaJSON,
		RangeLimit: -1,
	}
	if s.body != "" {
		r.Body = []byte(s.body)
		r.ContentType = "application/json"
	}
	return r
}

// floorStatement builds the statement rowgate runs for r: the table
// builder's, or the RPC builder's for /rpc/...
func floorStatement(cat *catalog.Catalog, r *querybuilder.Request) (sql string, args []any, readOnly bool, err error) {
	if fn, ok := strings.CutPrefix(r.Resource, "rpc/"); ok {
		r.Resource = fn
		plan, err := querybuilder.BuildRPC(cat, r)
		if err != nil {
			return "", nil, false, fmt.Errorf("query builder: %w", err)
		}
		return plan.SQL, plan.Args, plan.ReadOnly, nil
	}
	plan, err := querybuilder.Build(cat, r)
	if err != nil {
		return "", nil, false, fmt.Errorf("query builder: %w", err)
	}
	return plan.SQL, plan.Args, plan.ReadOnly, nil
}

// tokenClaims returns a token's claims as the verifier hands them on: the
// signed payload, which already names the role.
func tokenClaims(token string) ([]byte, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("malformed token")
	}
	return base64.RawURLEncoding.DecodeString(parts[1])
}

// wrkHeaders renders the headers the wrk script sends as request.headers.
func wrkHeaders(host, token, body string) []byte {
	h := map[string]string{"host": host, "authorization": "Bearer " + token}
	if body != "" {
		h["content-type"] = "application/json"
		h["content-length"] = strconv.Itoa(len(body))
	}
	b, _ := json.Marshal(h)
	return b
}

// runFloor runs work through runner from conns goroutines for d, one
// transaction after another, and measures it like wrk does.
func runFloor(ctx context.Context, runner *rls.Runner, work []floorReq, conns int, d time.Duration) load {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deadline := time.Now().Add(d)
	lat := make([][]time.Duration, conns)
	errs := make([]int64, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for g := range conns {
		wg.Go(func() {
			i := (g * 397) % len(work)
			mine := make([]time.Duration, 0, 1<<16)
			for {
				t0 := time.Now()
				if !t0.Before(deadline) || ctx.Err() != nil {
					break
				}
				w := work[i]
				if _, err := runner.Run(ctx, w.env, w.sql, w.args); err != nil {
					errs[g]++
				}
				mine = append(mine, time.Since(t0))
				i = (i + 1) % len(work)
			}
			lat[g] = mine
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all []time.Duration
	var l load
	for g := range conns {
		all = append(all, lat[g]...)
		l.Errors += errs[g]
	}
	slices.Sort(all)
	l.Requests = int64(len(all))
	l.RPS = float64(len(all)) / elapsed.Seconds()
	l.P50, l.P90, l.P99 = percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99)
	return l
}

// percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)))
	return sorted[min(i, len(sorted)-1)]
}

// floorHost is the Host header wrk sends to the gateway at base.
func floorHost(base string) string {
	return strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")
}
