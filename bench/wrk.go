package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// load is the outcome of one measured run: throughput and latency
// percentiles, from wrk or from the floor.
type load struct {
	RPS      float64
	P50      time.Duration
	P90      time.Duration
	P99      time.Duration
	Requests int64
	// Errors counts failed requests: non-2xx/3xx answers and socket errors
	// for wrk, errors returned by the runner for the floor.
	Errors int64
	// CPU is where the machine's CPU went meanwhile; CPU.Other is noise.
	CPU cpuUse
	// cpu is the CPU time wrk itself used.
	cpu time.Duration
	// quantiles is the latency at each of quantilePoints (wrk.lua prints
	// them), zero when unknown.
	quantiles [len(quantilePoints)]time.Duration
}

// quantilePoints are the percentiles wrk.lua reports.
var quantilePoints = [...]float64{1, 5, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99,
	99.5, 99.9, 99.99, 100}

// wrkRun describes one wrk invocation.
type wrkRun struct {
	URL         string
	Script      string
	Requests    string // request file for the script
	Method      string
	Body        string
	Threads     int
	Connections int
	Duration    time.Duration
}

// run starts wrk and parses its report.
func (w wrkRun) run(ctx context.Context) (load, error) {
	secs := max(int(w.Duration.Round(time.Second)/time.Second), 1)
	args := []string{
		"-t", strconv.Itoa(w.Threads),
		"-c", strconv.Itoa(w.Connections),
		"-d", strconv.Itoa(secs) + "s",
		"--timeout", "10s",
		"--latency",
		"-s", w.Script,
		w.URL, "--", w.Requests, w.Method, w.Body,
	}
	cmd := exec.CommandContext(ctx, "wrk", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return load{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	l, err := parseWrk(string(out))
	if err != nil {
		return load{}, fmt.Errorf("%w\n%s", err, out)
	}
	l.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return l, nil
}

// parseWrk reads the report wrk prints with --latency.
func parseWrk(out string) (load, error) {
	var l load
	var haveRPS, haveLatency bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return l, fmt.Errorf("wrk: bad Requests/sec %q", f[1])
			}
			l.RPS, haveRPS = v, true
		case len(f) == 2 && strings.HasSuffix(f[0], "%"):
			d, err := parseWrkDuration(f[1])
			if err != nil {
				return l, err
			}
			switch f[0] {
			case "50%":
				l.P50, haveLatency = d, true
			case "90%":
				l.P90 = d
			case "99%":
				l.P99 = d
			}
		case len(f) == 3 && f[0] == "quantile":
			p, err1 := strconv.ParseFloat(f[1], 64)
			us, err2 := strconv.ParseFloat(f[2], 64)
			if err1 != nil || err2 != nil {
				return l, fmt.Errorf("wrk: bad quantile line %q", sc.Text())
			}
			for i, q := range quantilePoints {
				if q == p {
					l.quantiles[i] = time.Duration(us * float64(time.Microsecond))
				}
			}
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return l, fmt.Errorf("wrk: bad request count %q", f[0])
			}
			l.Requests = n
		case len(f) == 5 && f[0] == "Non-2xx":
			n, err := strconv.ParseInt(f[4], 10, 64)
			if err != nil {
				return l, fmt.Errorf("wrk: bad Non-2xx count %q", f[4])
			}
			l.Errors += n
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 3; i < len(f); i += 2 {
				n, err := strconv.ParseInt(strings.TrimSuffix(f[i], ","), 10, 64)
				if err != nil {
					return l, fmt.Errorf("wrk: bad socket error count %q", f[i])
				}
				l.Errors += n
			}
		}
	}
	if !haveRPS || !haveLatency {
		return l, errors.New("wrk: report has no Requests/sec or latency distribution")
	}
	return l, nil
}

// parseWrkDuration reads wrk's durations: 812.00us, 3.21ms, 1.02s, 2.00m.
func parseWrkDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				break
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("wrk: bad duration %q", s)
}
