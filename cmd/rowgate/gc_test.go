package main

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// Not parallel: the GC settings belong to the whole process.
func TestTuneGC(t *testing.T) {
	prevPercent := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	})
	noCgroup := t.TempDir()

	got := tuneGC([]string{"PATH=/bin", "GOGC=50"}, noCgroup)
	if got.percent != 0 || debug.SetGCPercent(100) != 100 {
		t.Fatal("tuneGC overrode GOGC from the environment")
	}
	got = tuneGC([]string{"PATH=/bin", "GOGC="}, noCgroup)
	if got.percent != serveGCPercent || debug.SetGCPercent(100) != serveGCPercent {
		t.Fatalf("GC percent not set to %d: %+v", serveGCPercent, got)
	}
	if got.memLimit != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatal("a memory limit was set without a control-group limit")
	}

	v2 := t.TempDir()
	writeFile(t, filepath.Join(v2, "memory.max"), "1073741824\n")
	got = tuneGC(nil, v2)
	if want := int64(1073741824 - 107374182); got.memLimit != want || debug.SetMemoryLimit(math.MaxInt64) != want {
		t.Fatalf("memory limit %d, want %d", got.memLimit, want)
	}
	if got := tuneGC([]string{"GOMEMLIMIT=1GiB"}, v2); got.memLimit != 0 {
		t.Fatal("tuneGC overrode GOMEMLIMIT from the environment")
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, content string
		want          int64
		ok            bool
	}{
		{"memory.max", "max\n", 0, false},
		{"memory.max", "536870912\n", 536870912, true},
		{"memory/memory.limit_in_bytes", "9223372036854771712\n", 0, false},
		{"memory/memory.limit_in_bytes", "268435456\n", 268435456, true},
		{"memory.max", "garbage", 0, false},
	}
	for _, c := range cases {
		root := t.TempDir()
		writeFile(t, filepath.Join(root, c.file), c.content)
		got, ok := cgroupMemoryLimit(root)
		if got != c.want || ok != c.ok {
			t.Errorf("%s = %q: got %d %v, want %d %v", c.file, c.content, got, ok, c.want, c.ok)
		}
	}
	if _, ok := cgroupMemoryLimit(t.TempDir()); ok {
		t.Error("a limit found where no control-group files are")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
