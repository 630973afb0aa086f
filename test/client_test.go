package test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestPostgrestJSClient drives a gateway of its own with the real
// @supabase/postgrest-js client: the Node tests in client/ read and write
// the gc_* tables of testdata/fixture_client.sql as the anonymous role and
// as two signed-in users, and assert rows, counts, statuses and errors.
// Node and npm must be installed; without them the test is skipped,
// except in CI (CI=true), where it fails.
func TestPostgrestJSClient(t *testing.T) {
	t.Parallel()
	node, npm := toolPath(t, "node"), toolPath(t, "npm")
	dir, err := filepath.Abs("client")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The pinned client, from package-lock.json.
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@supabase", "postgrest-js")); err != nil {
		install := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}

	g := startOwnGateway(t)
	run := exec.CommandContext(ctx, node, "--test")
	run.Dir = dir
	run.Env = append(os.Environ(),
		"ROWGATE_URL="+g.base,
		"ROWGATE_ALICE="+userA,
		"ROWGATE_BOB="+userB,
		"ROWGATE_TOKEN_ALICE="+token(t, userA, nil),
		"ROWGATE_TOKEN_BOB="+token(t, userB, nil),
	)
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s\ngateway log:\n%s", err, out, g.out.String())
	}
	t.Logf("node --test:\n%s", out)
}

// toolPath finds a command on PATH. A missing tool skips the test, but
// fails it under CI, where .ci/run installs the tools.
func toolPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI: %v", name, err)
	}
	t.Skipf("%s not installed: %v", name, err)
	return ""
}
