package test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDemo runs `rowgate demo` as a user would: on its own throwaway
// cluster, then uses the printed tokens and checks that Ctrl-C cleans up.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	t.Parallel()
	port := freePort()
	cmd := exec.Command(env.binary, "demo", "--port", fmt.Sprint(port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()

	// Read the exported tokens from the demo's output.
	toks := map[string]string{}
	rd := bufio.NewReader(stdout)
	deadline := time.Now().Add(90 * time.Second)
	var transcript strings.Builder
	for len(toks) < 2 && time.Now().Before(deadline) {
		line, err := rd.ReadString('\n')
		transcript.WriteString(line)
		if err != nil {
			t.Fatalf("demo output ended: %v\n%s", err, transcript.String())
		}
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			toks[k] = strings.TrimSpace(v)
		}
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	countOwn := func(tok string) (int, []string) {
		r, err := doCall(http.MethodGet, base+"/notes?select=owner,public", tok, "")
		if err != nil || r.Status != http.StatusOK {
			t.Fatalf("demo read: %v %v", err, r)
		}
		var rows []struct {
			Owner  string
			Public bool
		}
		(&reply{Body: r.Body}).JSON(t, &rows)
		var owners []string
		for _, row := range rows {
			if !row.Public {
				owners = append(owners, row.Owner)
			}
		}
		return len(rows), owners
	}
	_, anonPrivate := countOwn("")
	if len(anonPrivate) != 0 {
		t.Fatalf("anonymous sees private notes: %v", anonPrivate)
	}
	_, alicePrivate := countOwn(toks["ALICE"])
	_, bobPrivate := countOwn(toks["BOB"])
	if len(alicePrivate) == 0 || len(bobPrivate) == 0 {
		t.Fatalf("demo users see no private notes of their own: %v %v", alicePrivate, bobPrivate)
	}
	for _, o := range alicePrivate {
		for _, p := range bobPrivate {
			if o == p {
				t.Fatalf("alice and bob share private rows of %s", o)
			}
		}
	}

	// Ctrl-C stops the demo and removes its cluster.
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not stop on interrupt")
	}
}
