package test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// chromiumPath is Debian's Chromium, which the browser test drives.
const chromiumPath = "/usr/bin/chromium"

// TestBrowserSignIn runs the Node tests in browser/: `rowgate demo` in
// headless Chromium (two users, their notes, sign-out) and Better Auth's
// JavaScript client against rowgate's auth routes. Without Node, npm or
// Chromium it is skipped, except under CI=true, where it fails.
func TestBrowserSignIn(t *testing.T) {
	missing := t.Skipf
	if os.Getenv("CI") == "true" {
		missing = t.Fatalf
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not found: %v", err)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		missing("npm not found: %v", err)
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		missing("chromium not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	dir, err := filepath.Abs("browser")
	if err != nil {
		t.Fatal(err)
	}

	// The pinned npm packages, installed once.
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}

	// A database of the test's own for the demo to install itself in.
	name, drop, err := createDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer drop()

	run := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec")
	run.Dir = dir
	run.Env = append(os.Environ(),
		"ROWGATE_BIN="+env.binary,
		"ROWGATE_DEMO_DB_URI="+withDB(baseURI(), name, ""),
		"CHROMIUM="+chromiumPath,
	)
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("node --test:\n%s", out)
}
