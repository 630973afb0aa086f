package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// defaultAdminPort is the admin port `rowgate health` asks when neither
// --url nor admin-server-port in the environment says otherwise.
const defaultAdminPort = 3001

// runHealth implements `rowgate health`: it asks the admin server of a
// rowgate on this machine whether it is live (or, with --ready, ready) and
// fails unless the answer is 200. It needs no shell or curl, so a
// container image made of the binary alone can use it as its HEALTHCHECK.
func runHealth(ctx context.Context, args []string, stdout io.Writer, environ []string) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	target := fs.String("url", "", "URL to ask (default http://127.0.0.1:PORT/live, PORT from "+
		"PGRST_ADMIN_SERVER_PORT or 3001)")
	ready := fs.Bool("ready", false, "ask /ready instead of /live")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *target == "" {
		*target = healthURL(environ, *ready)
	}

	// One bounded GET; only the status matters.
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
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
		return fmt.Errorf("health: %s answered %d: %s", *target, resp.StatusCode, body)
	}
	fmt.Fprintf(stdout, "ok: %s\n", *target)
	return nil
}

// healthURL is the default URL: the admin port from the environment the
// server itself reads, on the loopback address.
func healthURL(environ []string, ready bool) string {
	port := defaultAdminPort
	env := configEnvMap(environ)
	if v, ok := env["PGRST_ADMIN_SERVER_PORT"]; ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 65536 {
			port = n
		}
	}
	path := "/live"
	if ready {
		path = "/ready"
	}
	return "http://" + hostPort("127.0.0.1", port) + path
}
