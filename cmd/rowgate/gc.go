package main

import (
	"runtime/debug"
	"strings"
)

// serveGCPercent is the garbage collector's target for `rowgate serve` when
// GOGC is not set. Go's default (100) lets the heap grow by its live size
// before collecting; rowgate's live heap is small (a few MiB: the schema
// cache, pools, token cache) and almost everything a request allocates dies
// with it, so at 100 a busy gateway collects dozens of times a second. At
// 400 the heap may reach five times the live size, a few tens of MiB, and
// collections are a quarter as frequent. GOMEMLIMIT still caps the heap.
const serveGCPercent = 400

// tuneGC applies serveGCPercent unless environ sets GOGC, and says whether
// it did.
func tuneGC(environ []string) bool {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "GOGC=") {
			return false
		}
	}
	debug.SetGCPercent(serveGCPercent)
	return true
}
