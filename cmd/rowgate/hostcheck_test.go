package main

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
)

func TestConfigCheckHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host string
		ok   bool
	}{
		{"*", true}, {"!4", true}, {"*6", true},
		{"127.0.0.1", true}, {"::1", true}, {"0.0.0.0", true}, {"fe80::1%eth0", true},
		{"localhost", true}, {"db-1.example.com", true}, {"example.com.", true},
		{"256.1.1.1", false}, {"1.2.3", false}, {"::zz", false}, {"[::1]", false},
		{"bad host", false}, {"-x.example", false}, {"a..b", false}, {strings.Repeat("a", 64), false},
	}
	for _, tt := range tests {
		if err := configCheckHost(tt.host); (err == nil) != tt.ok {
			t.Errorf("configCheckHost(%q) = %v, want ok=%v", tt.host, err, tt.ok)
		}
	}
}

// A host that can never be listened on is an error about the host, not the port.
func TestLoadConfigBadHostNamesHostKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ env, key string }{
		{"PGRST_SERVER_HOST=256.1.1.1", "server-host"},
		{"PGRST_SERVER_HOST=::zz", "server-host"},
		{"PGRST_ADMIN_SERVER_HOST=256.1.1.1", "admin-server-host"},
	}
	for _, tt := range tests {
		_, err := loadConfig("", []string{tt.env})
		if keys := configErrorKeys(err); !slices.Equal(keys, []string{tt.key}) {
			t.Errorf("%s: error %v names %q, want [%s]", tt.env, err, keys, tt.key)
		}
	}
}

// listenOn blames the host for an address the machine does not have (binding sends no
// packet) and the port for a port in use.
func TestListenOnNamesTheKeyAtFault(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name, host string
		port       int
		key        string
	}{
		{"address not on this machine", "192.0.2.1", 0, "server-host"},
		{"port in use", "127.0.0.1", busyPort, "server-port"},
	}
	for _, tt := range tests {
		ln, err := listenOn("server-host", tt.host, "server-port", tt.port)
		if err == nil {
			ln.Close()
			t.Errorf("%s: no error", tt.name)
			continue
		}
		var ce *configError
		if !errors.As(err, &ce) || ce.Key != tt.key {
			t.Errorf("%s: error %q, want one naming %s", tt.name, err, tt.key)
		}
	}
}
