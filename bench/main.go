// Command bench is rowgate's load benchmark. It creates a database of its
// own, loads a fixture (100,000 rows owned by 1,000 users under Row-Level
// Security), starts `rowgate serve` with an ES256 JWKS it serves itself,
// drives it with wrk over loopback with one token per user, and runs the
// same transactions straight through pgx (the floor) to show what share
// of the database's throughput rowgate delivers.
//
//	go run ./bench [-duration 15s] [-runs 3] [-pool 4,8,16] [-soak 10m]
//
// It needs wrk on the PATH and a PostgreSQL superuser at
// ROWGATE_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the benchmark's flags.
type options struct {
	dbURL       string
	duration    time.Duration
	slice       time.Duration
	warmup      time.Duration
	connections int
	threads     int
	pools       []int
	scenarios   []scenario
	runs        int
	cacheOff    bool
	floor       bool
	stack       bool
	soak        time.Duration
	gatewayEnv  []string
}

func main() {
	serveStackIfAsked()
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := options{}
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "measured time of each run of each scenario")
	fs.DurationVar(&o.slice, "slice", 5*time.Second, "rowgate, the stack reference and the floor take turns in slices this long within each run")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load before each measurement")
	fs.IntVar(&o.connections, "connections", 64, "concurrent HTTP connections (and floor goroutines)")
	fs.IntVar(&o.threads, "threads", 2, "wrk threads")
	pools := fs.String("pool", "4", "rowgate's db-pool (and the floor's pool), or a comma-separated list to compare")
	names := fs.String("scenarios", "get-one,list-20,embed,insert,rpc", "scenarios to run, comma-separated")
	fs.IntVar(&o.runs, "runs", 1, "runs of every measurement; the summary prints their medians")
	fs.BoolVar(&o.cacheOff, "cache-off", true, "also run get-one with the verified-token cache off")
	fs.BoolVar(&o.floor, "floor", true, "measure the floor (the same transactions straight through pgx)")
	fs.BoolVar(&o.stack, "stack", false, "also measure the stack reference: echo, jwx and the floor's transactions, no features")
	fs.DurationVar(&o.soak, "soak", 0, "after the scenarios, run get-one this long and sample rowgate's memory every 10s")
	env := fs.String("gateway-env", "", "extra environment for rowgate, comma-separated KEY=VALUE (GOGC=200,GOMAXPROCS=1) to compare tunings")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for kv := range strings.SplitSeq(*env, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return o, fmt.Errorf("-gateway-env: %q is not KEY=VALUE", kv)
		}
		o.gatewayEnv = append(o.gatewayEnv, kv)
	}
	o.dbURL = os.Getenv("ROWGATE_BENCH_DATABASE_URL")
	if o.dbURL == "" {
		o.dbURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	for p := range strings.SplitSeq(*pools, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-pool: bad size %q", p)
		}
		o.pools = append(o.pools, n)
	}
	for name := range strings.SplitSeq(*names, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		s, ok := findScenario(name)
		if !ok {
			return o, fmt.Errorf("-scenarios: unknown scenario %q", name)
		}
		o.scenarios = append(o.scenarios, s)
	}
	switch {
	case o.duration < time.Second:
		return o, errors.New("-duration must be at least 1s")
	case o.slice < time.Second:
		return o, errors.New("-slice must be at least 1s")
	case o.connections < 1 || o.threads < 1 || o.threads > o.connections:
		return o, errors.New("-connections and -threads must be positive, threads ≤ connections")
	case o.runs < 1:
		return o, errors.New("-runs must be at least 1")
	case o.soak != 0 && o.soak < 30*time.Second:
		return o, errors.New("-soak must be at least 30s")
	}
	return o, nil
}

func run(ctx context.Context, o options) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (Debian: apt-get install -y wrk)")
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "rowgate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	logf("building rowgate")
	bin, err := buildRowgate(ctx, root, tmp)
	if err != nil {
		return err
	}
	logf("creating the database and loading the fixture")
	db, err := createDatabase(ctx, o.dbURL)
	if err != nil {
		return err
	}
	defer db.drop()

	b, err := newBench(ctx, o, db, bin, tmp)
	if err != nil {
		return err
	}
	defer b.close()

	printHeader(o)
	for _, pool := range o.pools {
		res, err := b.measurePool(ctx, pool)
		if err != nil {
			return err
		}
		printPool(os.Stdout, o, pool, res)
	}
	if o.soak > 0 {
		s, err := b.soak(ctx, o.pools[0])
		if err != nil {
			return err
		}
		printSoak(os.Stdout, s)
	}
	return ctx.Err()
}

// logf prints progress on stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
