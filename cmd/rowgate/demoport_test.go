package main

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
)

// `rowgate demo` on a taken port fails at once, suggesting --port, before it builds a
// database.
func TestDemoPortTaken(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)

	var out bytes.Buffer
	err = run(context.Background(), []string{"demo", "--port", port}, &out, nil)
	if err == nil || !strings.Contains(err.Error(), "port "+port+" is already in use") ||
		!strings.Contains(err.Error(), "--port") {
		t.Fatalf("error %v, want one saying the port is in use and suggesting --port", err)
	}
	if out.Len() != 0 {
		t.Errorf("demo did work before failing:\n%s", out.String())
	}
}
