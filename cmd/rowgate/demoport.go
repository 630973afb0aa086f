package main

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// demoCheckPort fails when the demo's API port is taken on the loopback address, so that
// `rowgate demo` says so before it spends seconds building a database. Port 0 (any free
// port) always passes. The port is released again at once; the server binds it later.
func demoCheckPort(port int) error {
	if port == 0 {
		return nil
	}
	ln, err := net.Listen("tcp", hostPort("127.0.0.1", port))
	if err == nil {
		return ln.Close()
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("port %d is already in use; choose another with --port N (or --port 0 "+
			"for any free port)", port)
	}
	return fmt.Errorf("cannot listen on port %d (choose another with --port N): %w", port, err)
}
