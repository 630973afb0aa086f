package main

import (
	"log/slog"
	"strings"

	"github.com/rowgate/rowgate/querybuilder"
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
			if d := querybuilder.EditDistance(key, cand); d < bestDist {
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
