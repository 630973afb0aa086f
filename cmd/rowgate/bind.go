package main

import (
	"errors"
	"net"
	"syscall"
)

// listenOn listens on a server-host / server-port pair (hostKey and portKey name the
// settings, for errors). A port that is taken or needs privileges is the port's fault;
// anything else (a name that does not resolve, an address this machine does not have)
// is the host's.
func listenOn(hostKey, host, portKey string, port int) (net.Listener, error) {
	ln, err := net.Listen(listenNetwork(host), hostPort(listenHost(host), port))
	if err == nil {
		return ln, nil
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, configErrorf(portKey, "port %d is already in use on %q: %v", port, host, err)
	case errors.Is(err, syscall.EACCES):
		return nil, configErrorf(portKey, "no permission to listen on port %d: %v", port, err)
	}
	return nil, configErrorf(hostKey, "cannot listen on %q: %v", host, err)
}

// adminHost is where the admin server listens: admin-server-host, or server-host when
// that is empty.
func adminHost(cfg Config) string {
	if cfg.AdminServerHost == "" {
		return cfg.ServerHost
	}
	return cfg.AdminServerHost
}
