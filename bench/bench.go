package main

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/querybuilder/catalog"
	"github.com/rowgate/rowgate/rls"
	pgsql "github.com/rowgate/rowgate/sql"
)

//go:embed wrk.lua
var wrkScript []byte

// bench holds what every measurement shares.
type bench struct {
	o      options
	db     *database
	bin    string
	dir    string
	jwks   *httptest.Server
	users  *users
	script string
	// requests maps a scenario to its wrk request file.
	requests map[string]string
	cat      *catalog.Catalog
}

func newBench(ctx context.Context, o options, db *database, bin, dir string) (*bench, error) {
	b := &bench{o: o, db: db, bin: bin, dir: dir, requests: map[string]string{}}
	key, err := jwks.GenerateKeyPair("ES256", "bench-key")
	if err != nil {
		return nil, err
	}
	doc := key.PublicJWKS()
	b.jwks = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	if b.users, err = mintTokens(key); err != nil {
		b.close()
		return nil, err
	}
	b.script = filepath.Join(dir, "wrk.lua")
	if err := os.WriteFile(b.script, wrkScript, 0o600); err != nil {
		b.close()
		return nil, err
	}
	for _, s := range o.scenarios {
		if b.requests[s.name], err = writeRequests(dir, s, b.users); err != nil {
			b.close()
			return nil, err
		}
	}
	pool, err := pgxpool.New(ctx, db.apiURI)
	if err != nil {
		b.close()
		return nil, err
	}
	defer pool.Close()
	if b.cat, err = pgsql.LoadCatalog(ctx, pool, []string{"public"}); err != nil {
		b.close()
		return nil, fmt.Errorf("load schema cache: %w", err)
	}
	return b, nil
}

func (b *bench) close() {
	if b.jwks != nil {
		b.jwks.Close()
	}
}

// gateway starts rowgate on the bench database with pool connections and
// a verified-token cache of cache entries.
func (b *bench) gateway(pool, cache int) (*gatewayProc, error) {
	return startGateway(b.bin, b.o.gatewayEnv, map[string]string{
		"PGRST_DB_URI":                b.db.apiURI,
		"PGRST_DB_ANON_ROLE":          "anon",
		"PGRST_DB_POOL":               strconv.Itoa(pool),
		"PGRST_JWT_AUD":               benchAudience,
		"PGRST_JWT_CACHE_MAX_ENTRIES": strconv.Itoa(cache),
		"PGRST_LOG_LEVEL":             "error",
		"ROWGATE_JWT_JWKS_URL":        b.jwks.URL,
	})
}

// measurement is one run of one scenario.
type measurement struct {
	gw, floor, stack   load
	hasFloor, hasStack bool
}

// poolResult holds every measurement made with one pool size.
type poolResult struct {
	// runs[scenario] has one measurement per run.
	runs map[string][]measurement
	// unavailable[scenario] says why the gateway cannot serve it.
	unavailable map[string]string
	// cacheOff has one get-one measurement per run with the cache off.
	cacheOff []load
}

// measurePool runs every scenario o.runs times with rowgate and the floor
// on pool connections, and get-one with the cache off.
func (b *bench) measurePool(ctx context.Context, pool int) (*poolResult, error) {
	res := &poolResult{runs: map[string][]measurement{}, unavailable: map[string]string{}}
	logf("pool %d: starting rowgate", pool)
	gw, err := b.gateway(pool, numUsers)
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	var gwOff *gatewayProc
	if b.o.cacheOff {
		if gwOff, err = b.gateway(pool, 0); err != nil {
			return nil, err
		}
		defer gwOff.stop()
	}

	var stack *gatewayProc
	if b.o.stack {
		if stack, err = b.startStack(pool); err != nil {
			return nil, err
		}
		defer stack.stop()
	}

	fpool, err := floorPool(ctx, b.db.apiURI, pool)
	if err != nil {
		return nil, err
	}
	defer fpool.Close()
	runner := rls.NewRunner(fpool)

	work := map[string][]floorReq{}
	for _, s := range b.o.scenarios {
		if why := probe(ctx, gw.base, s, b.users); why != "" {
			res.unavailable[s.name] = why
			logf("pool %d: %s not available: %s", pool, s.name, why)
			continue
		}
		if b.o.floor {
			w, err := floorWork(b.cat, s, b.users, floorHost(gw.base))
			if err != nil {
				return nil, fmt.Errorf("%s floor: %w", s.name, err)
			}
			work[s.name] = w
		}
	}

	for r := 1; r <= b.o.runs; r++ {
		for _, s := range b.o.scenarios {
			if _, no := res.unavailable[s.name]; no {
				continue
			}
			m, err := b.measure(ctx, s, gw, stack, runner, work[s.name])
			if err != nil {
				return nil, err
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if s.method != http.MethodGet {
				if err := b.db.resetItems(ctx); err != nil {
					return nil, err
				}
			}
			res.runs[s.name] = append(res.runs[s.name], m)
			logf("pool %d run %d/%d %-8s %s", pool, r, b.o.runs, s.name, m.line())
		}
		if gwOff != nil {
			s, _ := findScenario("get-one")
			l, err := b.wrk(ctx, gwOff, s, b.o.duration, true)
			if err != nil {
				return nil, err
			}
			res.cacheOff = append(res.cacheOff, l)
			logf("pool %d run %d/%d %-8s rowgate %s", pool, r, b.o.runs, "cache-off", l.line())
		}
	}
	return res, nil
}

// measure runs scenario s once on rowgate (gw), the stack reference (when
// not nil) and the floor (when work is not nil). The machine's speed
// drifts, so the measured time is cut into slices of about o.slice and
// the three take turns, slice by slice: each sees the same conditions,
// and the shares compare like with like. Throughput is over all slices;
// p50 and p90 are the request-weighted means of the slices', p99 the
// worst slice's.
func (b *bench) measure(ctx context.Context, s scenario, gw, stack *gatewayProc,
	runner *rls.Runner, work []floorReq) (measurement, error) {
	parts := max(1, int(b.o.duration/b.o.slice))
	d := b.o.duration / time.Duration(parts)
	var gws, stacks, floors []load
	for i := range parts {
		warm := i == 0
		l, err := b.wrk(ctx, gw, s, d, warm)
		if err != nil {
			return measurement{}, err
		}
		gws = append(gws, l)
		if stack != nil {
			l, err := b.wrk(ctx, stack, s, d, warm)
			if err != nil {
				return measurement{}, fmt.Errorf("stack reference: %w", err)
			}
			stacks = append(stacks, l)
		}
		if work != nil {
			if warm {
				runFloor(ctx, runner, work, b.o.connections, b.o.warmup)
			}
			meter := startCPU(nil, []int{os.Getpid()}, b.dbPIDs(ctx))
			l := runFloor(ctx, runner, work, b.o.connections, d)
			l.CPU = meter.use()
			floors = append(floors, l)
		}
		if err := ctx.Err(); err != nil {
			return measurement{}, err
		}
	}
	m := measurement{gw: combine(gws)}
	if stack != nil {
		m.stack, m.hasStack = combine(stacks), true
	}
	if work != nil {
		m.floor, m.hasFloor = combine(floors), true
	}
	return m, nil
}

// combine merges the loads of equally long slices (see measure). The
// percentiles are those of all the slices' requests together, from the
// slices' latency distributions; without those (the floor's), p50 and p90
// are request-weighted means and p99 the worst slice's.
func combine(ls []load) load {
	if len(ls) == 1 {
		return ls[0]
	}
	var out load
	var n float64
	known := true
	for _, l := range ls {
		out.Requests += l.Requests
		out.Errors += l.Errors
		out.RPS += l.RPS / float64(len(ls))
		w := float64(l.Requests)
		n += w
		out.P50 += time.Duration(w * float64(l.P50))
		out.P90 += time.Duration(w * float64(l.P90))
		out.P99 = max(out.P99, l.P99)
		out.CPU.Rowgate += l.CPU.Rowgate / float64(len(ls))
		out.CPU.Driver += l.CPU.Driver / float64(len(ls))
		out.CPU.DB += l.CPU.DB / float64(len(ls))
		out.CPU.Other += l.CPU.Other / float64(len(ls))
		known = known && l.quantiles[len(l.quantiles)-1] > 0
	}
	if n > 0 {
		out.P50 = time.Duration(float64(out.P50) / n)
		out.P90 = time.Duration(float64(out.P90) / n)
	}
	if known && n > 0 {
		out.P50 = mergedPercentile(ls, 50)
		out.P90 = mergedPercentile(ls, 90)
		out.P99 = mergedPercentile(ls, 99)
	}
	return out
}

// mergedPercentile is the p-th percentile of the requests of all of ls,
// each slice's distribution read between its quantiles linearly.
func mergedPercentile(ls []load, p float64) time.Duration {
	var total float64
	for _, l := range ls {
		total += float64(l.Requests)
	}
	// below is the share of all requests (in percent) faster than d.
	below := func(d time.Duration) float64 {
		var sum float64
		for _, l := range ls {
			sum += float64(l.Requests) * percentBelow(l.quantiles, d)
		}
		return sum / total
	}
	var cands []time.Duration
	for _, l := range ls {
		cands = append(cands, l.quantiles[:]...)
	}
	slices.Sort(cands)
	prev := time.Duration(0)
	prevShare := 0.0
	for _, d := range cands {
		share := below(d)
		if share >= p {
			if share == prevShare {
				return d
			}
			return prev + time.Duration(float64(d-prev)*(p-prevShare)/(share-prevShare))
		}
		prev, prevShare = d, share
	}
	return cands[len(cands)-1]
}

// percentBelow reads the percentile of d off one slice's quantiles.
func percentBelow(q [len(quantilePoints)]time.Duration, d time.Duration) float64 {
	if d < q[0] {
		return quantilePoints[0] * float64(d) / float64(max(q[0], 1))
	}
	for i := 1; i < len(q); i++ {
		if d < q[i] {
			lo, hi := q[i-1], q[i]
			return quantilePoints[i-1] + (quantilePoints[i]-quantilePoints[i-1])*float64(d-lo)/float64(hi-lo)
		}
	}
	return 100
}

// wrk measures gw with s for d, after a warm-up when warm is set.
func (b *bench) wrk(ctx context.Context, gw *gatewayProc, s scenario, d time.Duration, warm bool) (load, error) {
	reqs, ok := b.requests[s.name]
	if !ok {
		var err error
		if reqs, err = writeRequests(b.dir, s, b.users); err != nil {
			return load{}, err
		}
		b.requests[s.name] = reqs
	}
	w := wrkRun{
		URL: gw.base, Script: b.script, Requests: reqs, Method: s.method, Body: s.body,
		Threads: b.o.threads, Connections: b.o.connections, Duration: b.o.warmup,
	}
	if warm && b.o.warmup >= time.Second {
		if _, err := w.run(ctx); err != nil {
			return load{}, fmt.Errorf("%s warm-up: %w", s.name, err)
		}
	}
	w.Duration = d
	meter := startCPU([]int{gw.pid()}, []int{os.Getpid()}, b.dbPIDs(ctx))
	l, err := w.run(ctx)
	if err != nil {
		return load{}, fmt.Errorf("%s: %w", s.name, err)
	}
	meter.addDriver(l.cpu)
	l.CPU = meter.use()
	return l, nil
}

// dbPIDs returns a function listing the database server's processes that
// work for the benchmark.
func (b *bench) dbPIDs(ctx context.Context) func() []int {
	return func() []int { return backendPIDs(ctx, b.db) }
}

// floorPool is a pool like rowgate's: the authenticator, pool connections.
func floorPool(ctx context.Context, uri string, size int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(uri)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(size)
	cfg.MinConns = int32(size)
	return pgxpool.NewWithConfig(ctx, cfg)
}

// soakResult is rowgate's memory during a long get-one run.
type soakResult struct {
	every   time.Duration
	samples []int64 // VmRSS in KiB
	load    load
}

// soak runs get-one for o.soak and samples rowgate's VmRSS every 10s.
func (b *bench) soak(ctx context.Context, pool int) (*soakResult, error) {
	s, _ := findScenario("get-one")
	gw, err := b.gateway(pool, numUsers)
	if err != nil {
		return nil, err
	}
	defer gw.stop()
	logf("soak: get-one for %s on pool %d, sampling memory every 10s", b.o.soak, pool)

	res := &soakResult{every: 10 * time.Second}
	type outcome struct {
		l   load
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		reqs, err := writeRequests(b.dir, s, b.users)
		if err != nil {
			done <- outcome{err: err}
			return
		}
		l, err := wrkRun{
			URL: gw.base, Script: b.script, Requests: reqs, Method: s.method,
			Threads: b.o.threads, Connections: b.o.connections, Duration: b.o.soak,
		}.run(ctx)
		done <- outcome{l, err}
	}()
	tick := time.NewTicker(res.every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			kib, err := rssKiB(gw.pid())
			if err != nil {
				return nil, err
			}
			res.samples = append(res.samples, kib)
			logf("soak: %3d s  VmRSS %s", len(res.samples)*10, mib(kib))
		case out := <-done:
			if out.err != nil {
				return nil, out.err
			}
			res.load = out.l
			return res, nil
		}
	}
}
