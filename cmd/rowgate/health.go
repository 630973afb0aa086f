package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// defaultAdminPort is the admin port `rowgate health` asks when neither --url nor
// admin-server-port (in --config's file or the environment) says otherwise.
const defaultAdminPort = 3001

// runHealth implements `rowgate health`: it asks the admin server of a rowgate on this
// machine whether it is live (or, with --ready, ready) and fails unless the answer is 200.
// It needs no shell or curl, so a container image made of the binary alone can use it as
// its HEALTHCHECK.
func runHealth(ctx context.Context, args []string, stdout io.Writer, environ []string) error {
	fs := newFlagSet("health", "health [--ready] [--url URL] [--config FILE] [--timeout D]", stdout)
	target := fs.String("url", "", "admin server to ask, such as http://127.0.0.1:3001; /live "+
		"(or /ready) is added when it has no path (default: admin-server-host and "+
		"admin-server-port from --config and PGRST_* variables, port 3001 if unset)")
	configPath := fs.String("config", "", "config file of the server to ask, for its admin port")
	ready := fs.Bool("ready", false, "ask /ready instead of /live")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}

	// Where to ask.
	u, err := healthTarget(*target, *configPath, environ, *ready)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}

	// One bounded GET; only the status matters.
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %d: %s", u, resp.StatusCode, body)
	}
	fmt.Fprintf(stdout, "ok: %s\n", u)
	return nil
}

// healthTarget is the URL to ask: --url with /live or /ready added when it has no path
// (and /live turned into /ready with --ready), or else the admin server of the
// configuration that configPath and environ describe.
func healthTarget(target, configPath string, environ []string, ready bool) (string, error) {
	path := "/live"
	if ready {
		path = "/ready"
	}
	if target == "" {
		base, err := healthBase(configPath, environ)
		if err != nil {
			return "", err
		}
		return base + path, nil
	}

	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url must be an absolute http URL, got %q", target)
	}
	switch p := strings.TrimSuffix(u.Path, "/"); {
	case p == "":
		u.Path = path
	case ready && strings.HasSuffix(p, "/live"):
		u.Path = strings.TrimSuffix(p, "/live") + "/ready"
	}
	return u.String(), nil
}

// healthBase is the admin server's base URL as the server itself would read its settings:
// admin-server-port (default 3001) on admin-server-host, with a wildcard host asked on the
// loopback address.
func healthBase(configPath string, environ []string) (string, error) {
	cfg, err := loadConfig(configPath, environ)
	if err != nil && !healthIgnorable(err) {
		return "", err
	}
	port := cfg.AdminServerPort
	if port == 0 {
		port = defaultAdminPort
	}
	return "http://" + hostPort(healthHost(adminHost(cfg)), port), nil
}

// healthIgnorable reports whether a loadConfig error concerns only settings other than the
// admin server's address, which health does not need. A file that cannot be read or
// parsed is not ignorable.
func healthIgnorable(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !healthIgnorable(e) {
				return false
			}
		}
		return true
	}
	ce, ok := err.(*configError)
	return ok && !strings.HasPrefix(ce.Key, "admin-server-")
}

// healthHost is the host to ask for a server-host value: the loopback address of the
// right family for a wildcard, the value itself otherwise.
func healthHost(spec string) string {
	switch spec {
	case "*6", "!6":
		return "::1"
	case "", "*", "*4", "!4":
		return "127.0.0.1"
	}
	if a, err := netip.ParseAddr(spec); err == nil && a.IsUnspecified() {
		if a.Is6() {
			return "::1"
		}
		return "127.0.0.1"
	}
	return spec
}
