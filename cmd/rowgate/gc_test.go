package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneGCKeepsTheOperatorsGOGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })

	if tuneGC([]string{"PATH=/bin", "GOGC=50"}) {
		t.Fatal("tuneGC overrode GOGC from the environment")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent changed to %d although GOGC was set", got)
	}
	if !tuneGC([]string{"PATH=/bin"}) {
		t.Fatal("tuneGC did not apply its default without GOGC")
	}
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("GC percent %d, want %d", got, serveGCPercent)
	}
}
