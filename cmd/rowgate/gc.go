package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// serveGCPercent is the garbage collector's target for `rowgate serve` when
// GOGC is not set. Go's default (100) lets the heap grow by its live size
// before collecting; rowgate's live heap is small (a few MiB: the schema
// cache, pools, token cache) and almost everything a request allocates dies
// with it, so at 100 a busy gateway collects dozens of times a second. At
// 400 the heap may reach five times the live size, a few tens of MiB, and
// collections are a quarter as frequent.
const serveGCPercent = 400

// gcTuning is what tuneGC applied.
type gcTuning struct {
	// percent is the GC target set, 0 when GOGC was left to the operator.
	percent int
	// memLimit is the soft memory limit set, 0 when none was.
	memLimit int64
}

// tuneGC applies serveGCPercent unless environ sets GOGC. When the process
// runs in a control group with a memory limit (a container) and GOMEMLIMIT
// is not set, it also sets Go's soft memory limit to nine tenths of it, so
// that the larger heap target turns into more frequent collections, not an
// out-of-memory kill, when big requests pile up. cgroupRoot is where the
// control-group file system is mounted.
func tuneGC(environ []string, cgroupRoot string) gcTuning {
	var t gcTuning
	set := func(name string) bool {
		for _, kv := range environ {
			// The runtime reads an empty value as unset, and so does this.
			if v, ok := strings.CutPrefix(kv, name+"="); ok && v != "" {
				return true
			}
		}
		return false
	}
	if !set("GOGC") {
		debug.SetGCPercent(serveGCPercent)
		t.percent = serveGCPercent
	}
	if !set("GOMEMLIMIT") {
		if limit, ok := cgroupMemoryLimit(cgroupRoot); ok {
			t.memLimit = limit - limit/10
			debug.SetMemoryLimit(t.memLimit)
		}
	}
	return t
}

// cgroupMemoryLimit reads the memory limit of the process's control group,
// version 2 (memory.max) or version 1 (memory/memory.limit_in_bytes), from
// the file system mounted at root. "max" and version 1's near-2^63 value
// mean no limit.
func cgroupMemoryLimit(root string) (int64, bool) {
	for _, name := range []string{"memory.max", filepath.Join("memory", "memory.limit_in_bytes")} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if v == "max" {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 {
			return 0, false
		}
		return n, true
	}
	return 0, false
}
