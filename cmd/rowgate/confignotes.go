package main

import (
	"log/slog"
	"strings"
)

// logConfigNotes reports the settings loadConfig did not apply. An unknown key is most
// likely a typo whose setting silently keeps its default, so it is logged at error level,
// which shows by default, with the closest known key when there is one. A PostgREST key
// that rowgate knows but does not implement is only a warning.
func logConfigNotes(logger *slog.Logger, cfg Config) {
	for _, k := range cfg.unknownKeys {
		if near := closestKey(k); near != "" {
			logger.Error("unknown setting ignored: "+k, "key", k, "did_you_mean", near)
			continue
		}
		logger.Error("unknown setting ignored: "+k, "key", k)
	}
	for _, k := range cfg.ignoredKeys {
		logger.Warn("PostgREST setting not supported by rowgate, ignored", "key", k)
	}
}

// closestKey returns the known key nearest to name (a file key or an environment
// variable, spelt as given) within two edits, or "".
func closestKey(name string) string {
	prefix, key := "", name
	for _, p := range []string{"PGRST_", "ROWGATE_"} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			prefix, key = p, configEnvKey(rest)
		}
	}
	best, bestDist := "", 3
	for _, k := range configKeys {
		for _, cand := range append([]string{k.name}, k.aliases...) {
			if d := editDistance(key, cand); d < bestDist {
				best, bestDist = cand, d
			}
		}
	}
	if best == "" || prefix == "" {
		return best
	}
	if k := configLookup(best); k != nil && k.own {
		prefix = "ROWGATE_"
	} else {
		prefix = "PGRST_"
	}
	return prefix + strings.ToUpper(strings.ReplaceAll(best, "-", "_"))
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
