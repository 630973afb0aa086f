package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/gateway/demoapp"
	"github.com/rowgate/rowgate/jwks"
	pgsql "github.com/rowgate/rowgate/sql"
)

// runDemo implements `rowgate demo`: a database with RLS-protected demo
// tables, a local JWKS issuer, the gateway, and tokens for two users.
func runDemo(ctx context.Context, args []string, stdout io.Writer, environ []string) error {
	fs := newFlagSet("demo", "demo [--port N] [--db-uri URI]", stdout)
	port := fs.Int("port", 3000, "port for the Data API")
	dbURI := fs.String("db-uri", "", "superuser URI of a database to install the demo in (default: a throwaway cluster)")
	authPassword := fs.String("authenticator-password", "", "password to give the authenticator role (with --db-uri)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	if err := demoCheckPort(*port); err != nil {
		return fmt.Errorf("demo: %w", err)
	}

	// A database: the one given, or a throwaway cluster removed on exit.
	adminURI := *dbURI
	if adminURI == "" {
		logf("starting a throwaway PostgreSQL cluster...")
		cluster, err := startTempCluster(ctx, logf)
		if err != nil {
			return err
		}
		defer func() {
			logf("removing the throwaway cluster")
			_ = cluster.Stop()
		}()
		adminURI = cluster.URI
	}

	// Roles, auth functions and the demo schema.
	if err := installDemo(ctx, adminURI, *authPassword, logf); err != nil {
		return err
	}
	apiURI, err := withUser(adminURI, "authenticator", *authPassword)
	if err != nil {
		return err
	}

	// A signing key whose JWKS is served over HTTP, so tokens take the same
	// path as a production identity provider's.
	key, err := jwks.GenerateKeyPair("EdDSA", "rowgate-demo-1")
	if err != nil {
		return err
	}
	jwksURL, stopJWKS, err := serveJWKS(key.PublicJWKS())
	if err != nil {
		return err
	}
	defer stopJWKS()

	cfg := defaultConfig()
	cfg.DBURI = apiURI
	cfg.DBAnonRole = "anon"
	cfg.DBMaxRows = 1000
	cfg.JWTJWKSURL = jwksURL
	cfg.JWTDefaultRole = "authenticated"
	cfg.ServerHost = "127.0.0.1"
	cfg.ServerPort = *port
	cfg.LogLevel = "warn"
	// The built-in auth service, and the page at /app/ that signs in with it.
	cfg.AuthEnabled = true
	cfg.AuthBaseURL = demoAuthBaseURL(*port)
	if cfg.AuthSecret, err = demoAuthSecret(ctx, adminURI, logf); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, newLogger(cfg.LogLevel, stdout), demoapp.Page{AuthPrefix: cfg.AuthPrefix})
	if err != nil {
		return err
	}
	defer a.close()

	started := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- a.serve(ctx, started) }()
	select {
	case addr := <-started:
		if err := printDemo(stdout, "http://localhost:"+portOf(addr), key); err != nil {
			return err
		}
		if err := printAuthDemo(stdout, "http://localhost:"+portOf(addr)); err != nil {
			return err
		}
	case err := <-errc:
		return err
	}
	return <-errc
}

func installDemo(ctx context.Context, uri, authPassword string, logf func(string, ...any)) error {
	conn, err := pgx.Connect(ctx, uri)
	if err != nil {
		return fmt.Errorf("cannot connect to the demo database: %w", err)
	}
	defer conn.Close(context.Background())
	report, err := pgsql.Setup(ctx, conn, pgsql.SetupOptions{AuthenticatorPassword: authPassword})
	if err != nil {
		return err
	}
	for _, line := range report.Steps {
		logf("  setup: %s", line)
	}
	if err := pgsql.LoadDemo(ctx, conn); err != nil {
		return err
	}
	logf("  demo schema loaded (tables notes and profiles, with RLS)")
	return nil
}

// withUser returns uri logged in as user instead.
func withUser(uri, user, password string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("db-uri: the demo needs a URL of the form postgres://user@host:port/db")
	}
	if password != "" {
		u.User = url.UserPassword(user, password)
	} else {
		u.User = url.User(user)
	}
	return u.String(), nil
}

// serveJWKS publishes a JWK Set on a loopback port.
func serveJWKS(doc []byte) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("cannot serve the demo JWKS: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = w.Write(doc)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/.well-known/jwks.json", func() { _ = srv.Close() }, nil
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// printDemo mints a token for each demo user and prints how to use them.
func printDemo(w io.Writer, base string, key *jwks.KeyPair) error {
	tokens := make([]string, 2)
	for i, u := range []struct{ id, email string }{
		{pgsql.DemoUserA, "alice@example.com"}, {pgsql.DemoUserB, "bob@example.com"},
	} {
		tok, err := key.Sign(map[string]any{"sub": u.id, "email": u.email}, 24*time.Hour)
		if err != nil {
			return err
		}
		tokens[i] = tok
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nrowgate demo is serving %s (Ctrl-C stops it and removes its data)\n\n", base)
	fmt.Fprintf(&b, "export ALICE=%s\n", tokens[0])
	fmt.Fprintf(&b, "export BOB=%s\n\n", tokens[1])
	fmt.Fprintf(&b, "# anonymous: only public notes\ncurl -s '%s/notes?select=id,title,public'\n\n", base)
	fmt.Fprintf(&b, "# alice: her notes and public ones\ncurl -s '%s/notes?select=id,title,owner&order=id' -H \"Authorization: Bearer $ALICE\"\n\n", base)
	fmt.Fprintf(&b, "# bob adds a note (owner defaults to auth.uid())\ncurl -s '%s/notes' -H \"Authorization: Bearer $BOB\" -H 'Content-Type: application/json' \\\n  -H 'Prefer: return=representation' -d '{\"title\":\"from bob\"}'\n\n", base)
	fmt.Fprintf(&b, "# bob cannot change alice's notes: 0 rows updated\ncurl -s -i -X PATCH '%s/notes?owner=eq.%s' -H \"Authorization: Bearer $BOB\" \\\n  -H 'Content-Type: application/json' -d '{\"title\":\"hacked\"}'\n\n", base, pgsql.DemoUserA)
	fmt.Fprintf(&b, "# a tampered token is refused with 401\ncurl -s -i '%s/notes' -H \"Authorization: Bearer ${ALICE}x\"\n", base)
	_, err := io.WriteString(w, b.String())
	return err
}
