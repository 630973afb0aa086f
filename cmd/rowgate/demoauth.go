package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// demoAuthSecret makes a fresh secret for the demo's auth service. Signing keys sealed by an
// earlier run's secret cannot be opened with it, so they are removed (tokens they signed stop
// verifying; accounts and sessions stay).
func demoAuthSecret(ctx context.Context, adminURI string, logf func(string, ...any)) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth secret: %w", err)
	}
	conn, err := pgx.Connect(ctx, adminURI)
	if err != nil {
		return "", fmt.Errorf("cannot connect to the demo database: %w", err)
	}
	defer conn.Close(context.Background())
	tag, err := conn.Exec(ctx, `DELETE FROM neon_auth.jwks`)
	if err != nil {
		return "", fmt.Errorf("reset the demo's signing keys: %w", err)
	}
	if n := tag.RowsAffected(); n > 0 {
		logf("  removed %d signing keys of an earlier demo run", n)
	}
	return hex.EncodeToString(b[:]), nil
}

// demoAuthBaseURL is the auth-base-url of a demo serving on port: its own
// http://localhost:PORT, from which emailed links are built. Port 0 (any
// free port) is not known yet and gives "".
func demoAuthBaseURL(port int) string {
	if port == 0 {
		return ""
	}
	return "http://localhost:" + strconv.Itoa(port)
}

// printAuthDemo tells how to try the sign-in flow.
func printAuthDemo(w io.Writer, base string) error {
	_, err := fmt.Fprintf(w, "\n# sign up, keep notes and sign out in a browser (built-in auth service):\n"+
		"#   %s/app/\n# or from the shell:\n"+
		"curl -s -c jar -H 'Content-Type: application/json' '%s/auth/sign-up/email' \\\n"+
		"  -d '{\"email\":\"carol@example.com\",\"password\":\"correct horse\",\"name\":\"Carol\"}'\n"+
		"curl -s -b jar '%s/auth/token'\n", base, base, base)
	return err
}
