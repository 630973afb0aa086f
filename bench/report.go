package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets on a 2-core machine with everything on it (issue: load benchmark).
const (
	targetP99      = 30 * time.Millisecond
	targetCacheOff = 0.5
)

// targetShare is the least share of the floor a scenario should reach, or 0.
func targetShare(name string) float64 {
	switch name {
	case "get-one":
		return 0.6
	case "list-20", "insert":
		return 0.5
	}
	return 0
}

func (l load) line() string {
	s := fmt.Sprintf("%8.0f req/s  p50 %s  p90 %s  p99 %s", l.RPS, ms(l.P50), ms(l.P90), ms(l.P99))
	if l.Errors > 0 {
		s += fmt.Sprintf("  (%d errors of %d)", l.Errors, l.Requests)
	}
	if l.CPU != (cpuUse{}) {
		s += "  [" + l.CPU.String() + l.CPU.perRequest(l.RPS) + "]"
	}
	return s
}

func (m measurement) line() string {
	s := "rowgate " + m.gw.line()
	if m.hasStack {
		s += "  | stack " + m.stack.line()
	}
	if m.hasFloor {
		s += fmt.Sprintf("  | floor %8.0f req/s  p99 %s  | share %.2f", m.floor.RPS, ms(m.floor.P99), m.share())
		s += "  [" + m.floor.CPU.String() + m.floor.CPU.perRequest(m.floor.RPS) + "]"
	}
	return s
}

func (m measurement) share() float64 {
	if !m.hasFloor || m.floor.RPS == 0 {
		return 0
	}
	return m.gw.RPS / m.floor.RPS
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%6.2fms", float64(d.Microseconds())/1000)
}

func mib(kib int64) string {
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianOf[T any](xs []T, f func(T) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	return median(v)
}

func medianDur[T any](xs []T, f func(T) time.Duration) time.Duration {
	return time.Duration(medianOf(xs, func(x T) float64 { return float64(f(x)) }))
}

func printHeader(o options) {
	fmt.Printf("rowgate benchmark: %d CPUs, %d connections, %d wrk threads, %s per run after %s warm-up, %d run(s), ES256 tokens for %d users\n",
		runtime.NumCPU(), o.connections, o.threads, o.duration, o.warmup, o.runs, numUsers)
}

// printPool prints the medians of one pool size's runs.
func printPool(w io.Writer, o options, pool int, r *poolResult) {
	fmt.Fprintf(w, "\npool %d (medians of %d run(s))\n", pool, o.runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	withStack := len(r.runs) > 0 && o.stack
	header := "scenario\trowgate req/s\tp50\tp90\tp99\tfloor req/s\tfloor p99\tshare\tother load\ttarget\t"
	if withStack {
		header += "stack req/s\tstack share\trowgate/stack\t"
	}
	fmt.Fprintln(tw, header)
	for _, s := range o.scenarios {
		if why, no := r.unavailable[s.name]; no {
			fmt.Fprintf(tw, "%s\tnot available\t\t\t\t\t\t\t\t\t(%s)\n", s.name, shorten(why, 70))
			continue
		}
		ms_ := r.runs[s.name]
		if len(ms_) == 0 {
			continue
		}
		rps := medianOf(ms_, func(m measurement) float64 { return m.gw.RPS })
		p99 := medianDur(ms_, func(m measurement) time.Duration { return m.gw.P99 })
		row := fmt.Sprintf("%s\t%.0f\t%s\t%s\t%s\t", s.name, rps,
			ms(medianDur(ms_, func(m measurement) time.Duration { return m.gw.P50 })),
			ms(medianDur(ms_, func(m measurement) time.Duration { return m.gw.P90 })),
			ms(p99))
		verdict := ""
		if ms_[0].hasFloor {
			share := medianOf(ms_, measurement.share)
			row += fmt.Sprintf("%.0f\t%s\t%.2f\t%.2f\t", medianOf(ms_, func(m measurement) float64 { return m.floor.RPS }),
				ms(medianDur(ms_, func(m measurement) time.Duration { return m.floor.P99 })), share,
				medianOf(ms_, func(m measurement) float64 { return max(m.gw.CPU.Other, m.floor.CPU.Other) }))
			if t := targetShare(s.name); t > 0 {
				verdict = fmt.Sprintf("≥%.2f %s", t, passMiss(share >= t && p99 < targetP99))
			} else {
				verdict = "p99 " + passMiss(p99 < targetP99)
			}
		} else {
			row += fmt.Sprintf("\t\t\t%.2f\t", medianOf(ms_, func(m measurement) float64 { return m.gw.CPU.Other }))
		}
		var errs int64
		for _, m := range ms_ {
			errs += m.gw.Errors + m.floor.Errors + m.stack.Errors
		}
		if errs > 0 {
			verdict += fmt.Sprintf(" %d ERRORS", errs)
		}
		row += verdict + "\t"
		if withStack && ms_[0].hasStack {
			stackRPS := medianOf(ms_, func(m measurement) float64 { return m.stack.RPS })
			stackShare := 0.0
			if ms_[0].hasFloor {
				stackShare = medianOf(ms_, func(m measurement) float64 { return m.stack.RPS / m.floor.RPS })
			}
			row += fmt.Sprintf("%.0f\t%.2f\t%.2f\t", stackRPS, stackShare,
				medianOf(ms_, func(m measurement) float64 { return m.gw.RPS / m.stack.RPS }))
		}
		fmt.Fprintln(tw, row)
	}
	_ = tw.Flush()

	if len(r.cacheOff) > 0 && len(r.runs["get-one"]) > 0 {
		off := medianOf(r.cacheOff, func(l load) float64 { return l.RPS })
		on := medianOf(r.runs["get-one"], func(m measurement) float64 { return m.gw.RPS })
		ratio := off / on
		fmt.Fprintf(w, "get-one with the token cache off: %.0f req/s, p50 %s, p99 %s: %.2f of the cached throughput (target ≥%.2f %s)\n",
			off, ms(medianDur(r.cacheOff, func(l load) time.Duration { return l.P50 })),
			ms(medianDur(r.cacheOff, func(l load) time.Duration { return l.P99 })),
			ratio, targetCacheOff, passMiss(ratio >= targetCacheOff))
	}
}

// printSoak prints the memory series of a soak and its growth after the
// first minute (warm-up: pools, caches and buffers fill).
func printSoak(w io.Writer, s *soakResult) {
	fmt.Fprintf(w, "\nsoak: get-one for %d s, %s\n", len(s.samples)*int(s.every/time.Second), strings.TrimSpace(s.load.line()))
	if len(s.samples) == 0 {
		fmt.Fprintln(w, "no memory samples")
		return
	}
	var parts []string
	for _, kib := range s.samples {
		parts = append(parts, fmt.Sprintf("%.1f", float64(kib)/1024))
	}
	fmt.Fprintf(w, "VmRSS every %s (MiB): %s\n", s.every, strings.Join(parts, " "))
	base := s.samples[0]
	if len(s.samples) > 6 {
		base = s.samples[5] // at 60 s
	}
	last := s.samples[len(s.samples)-1]
	peak := slices.Max(s.samples)
	growth := float64(last-base) / float64(base)
	fmt.Fprintf(w, "after the first minute: %s → %s (%+.1f%%), peak %s: %s\n",
		mib(base), mib(last), 100*growth, mib(peak), map[bool]string{true: "flat", false: "GROWING"}[growth < 0.10])
}

func passMiss(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISS"
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
