package main

import (
	"testing"
	"time"
)

const wrkReport = `Running 15s test @ http://127.0.0.1:41234
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.86ms    2.91ms  61.33ms   82.48%
    Req/Sec     6.77k   436.41     7.71k    70.67%
  Latency Distribution
     50%    4.21ms
     75%    5.64ms
     90%    8.02ms
     99%   15.37ms
  202291 requests in 15.00s, 83.36MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  13485.33
Transfer/sec:      5.56MB
`

func TestParseWrk(t *testing.T) {
	t.Parallel()
	got, err := parseWrk(wrkReport)
	if err != nil {
		t.Fatal(err)
	}
	want := load{
		RPS:      13485.33,
		P50:      4210 * time.Microsecond,
		P90:      8020 * time.Microsecond,
		P99:      15370 * time.Microsecond,
		Requests: 202291,
		Errors:   10,
	}
	if got != want {
		t.Errorf("parseWrk = %+v, want %+v", got, want)
	}
}

func TestParseWrkRejectsIncompleteReport(t *testing.T) {
	t.Parallel()
	if _, err := parseWrk("Running 15s test @ http://127.0.0.1:1\nunable to connect\n"); err == nil {
		t.Error("parseWrk accepted a report without results")
	}
}

func TestParseWrkDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"812.00us", 812 * time.Microsecond},
		{"3.21ms", 3210 * time.Microsecond},
		{"1.50s", 1500 * time.Millisecond},
		{"2.00m", 2 * time.Minute},
	}
	for _, tc := range tests {
		got, err := parseWrkDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "ms", "1.0xs", "abc"} {
		if _, err := parseWrkDuration(bad); err == nil {
			t.Errorf("parseWrkDuration(%q) succeeded", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tc := range tests {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	o, err := parseFlags([]string{"-pool", "4,8,16", "-scenarios", "get-one,insert", "-runs", "3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.pools) != 3 || o.pools[2] != 16 || len(o.scenarios) != 2 || o.scenarios[1].name != "insert" || o.runs != 3 {
		t.Errorf("parseFlags = %+v", o)
	}
	for _, bad := range [][]string{{"-pool", "0"}, {"-scenarios", "nope"}, {"-runs", "0"}, {"-soak", "5s"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) succeeded", bad)
		}
	}
}

func TestCombineSlices(t *testing.T) {
	got := combine([]load{
		{RPS: 100, Requests: 1000, P50: 2 * time.Millisecond, P90: 4 * time.Millisecond, P99: 9 * time.Millisecond, Errors: 1,
			CPU: cpuUse{Rowgate: 0.8}},
		{RPS: 300, Requests: 3000, P50: 4 * time.Millisecond, P90: 8 * time.Millisecond, P99: 5 * time.Millisecond,
			CPU: cpuUse{Rowgate: 0.4}},
	})
	want := load{RPS: 200, Requests: 4000, P50: 3500 * time.Microsecond, P90: 7 * time.Millisecond, P99: 9 * time.Millisecond,
		Errors: 1, CPU: cpuUse{Rowgate: 0.6000000000000001}}
	if got != want {
		t.Fatalf("combine:\n got %+v\nwant %+v", got, want)
	}
}

// Two slices, one uniform over 0–1 ms and one over 1–2 ms, merge into one
// uniform over 0–2 ms.
func TestMergedPercentiles(t *testing.T) {
	var a, b load
	a.Requests, b.Requests = 1000, 1000
	for i, p := range quantilePoints {
		a.quantiles[i] = time.Duration(p * 10 * float64(time.Microsecond))
		b.quantiles[i] = time.Millisecond + a.quantiles[i]
	}
	a.P99, b.P99 = a.quantiles[21], b.quantiles[21]
	got := combine([]load{a, b})
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{{"p50", got.P50, time.Millisecond}, {"p90", got.P90, 1800 * time.Microsecond}, {"p99", got.P99, 1980 * time.Microsecond}} {
		if diff := c.got - c.want; diff < -c.want/50 || diff > c.want/50 {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	if one := combine([]load{a}); one.P99 != a.P99 {
		t.Errorf("a single slice's p99 changed: %s", one.P99)
	}
}

func TestParseWrkQuantiles(t *testing.T) {
	t.Parallel()
	got, err := parseWrk(wrkReport + "quantile 99.9 23456\nquantile 100 61330\n")
	if err != nil {
		t.Fatal(err)
	}
	if got.quantiles[23] != 23456*time.Microsecond || got.quantiles[25] != 61330*time.Microsecond {
		t.Errorf("quantiles %v", got.quantiles)
	}
}
