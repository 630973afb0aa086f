package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// adminStub is an admin server that answers /live with 200 and /ready with readyStatus,
// and records the paths asked.
type adminStub struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func newAdminStub(t *testing.T, readyStatus int) *adminStub {
	t.Helper()
	s := &adminStub{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.Path)
		s.mu.Unlock()
		switch r.URL.Path {
		case "/live":
			w.WriteHeader(http.StatusOK)
		case "/ready":
			w.WriteHeader(readyStatus)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *adminStub) asked() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.paths, ",")
}

func TestHealth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		readyStatus int
		args        func(base, port string, t *testing.T) ([]string, []string)
		wantPath    string
		wantErr     bool
	}{
		{"url without path asks /live", 200, func(base, _ string, _ *testing.T) ([]string, []string) {
			return []string{"--url", base}, nil
		}, "/live", false},
		{"url with slash asks /live", 200, func(base, _ string, _ *testing.T) ([]string, []string) {
			return []string{"--url", base + "/"}, nil
		}, "/live", false},
		{"ready with url asks /ready", 200, func(base, _ string, _ *testing.T) ([]string, []string) {
			return []string{"--ready", "--url", base}, nil
		}, "/ready", false},
		{"ready turns /live into /ready", 200, func(base, _ string, _ *testing.T) ([]string, []string) {
			return []string{"--url", base + "/live", "--ready"}, nil
		}, "/ready", false},
		{"not ready fails", 503, func(base, _ string, _ *testing.T) ([]string, []string) {
			return []string{"--ready", "--url", base}, nil
		}, "/ready", true},
		{"port from config file", 200, func(_, port string, t *testing.T) ([]string, []string) {
			path := writeConfigFile(t, "admin-server-host = \"127.0.0.1\"\nadmin-server-port = "+port+"\n")
			return []string{"--config", path}, nil
		}, "/live", false},
		{"port from environment", 200, func(_, port string, _ *testing.T) ([]string, []string) {
			return []string{"--ready"}, []string{"PGRST_ADMIN_SERVER_PORT=" + port}
		}, "/ready", false},
		{"environment beats file", 200, func(_, port string, t *testing.T) ([]string, []string) {
			path := writeConfigFile(t, "admin-server-port = 1\n")
			return []string{"--config", path}, []string{"PGRST_ADMIN_SERVER_PORT=" + port}
		}, "/live", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newAdminStub(t, tt.readyStatus)
			u, _ := url.Parse(stub.URL)
			args, environ := tt.args(stub.URL, u.Port(), t)
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"health"}, args...), &out, environ)
			if (err != nil) != tt.wantErr {
				t.Fatalf("health %q: %v, want error=%v", args, err, tt.wantErr)
			}
			if got := stub.asked(); got != tt.wantPath {
				t.Errorf("asked %q, want %q", got, tt.wantPath)
			}
			if !tt.wantErr && out.String() != fmt.Sprintf("ok: %s%s\n", stub.URL, tt.wantPath) {
				t.Errorf("output %q", out.String())
			}
		})
	}
}

func TestHealthBadConfig(t *testing.T) {
	t.Parallel()
	path := writeConfigFile(t, "admin-server-port = \"x\"\n")
	err := run(context.Background(), []string{"health", "--config", path}, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "admin-server-port") {
		t.Errorf("error %v, want one naming admin-server-port", err)
	}
}
