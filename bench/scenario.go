package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rowgate/rowgate/jwks"
)

// scenario is one kind of request the benchmark measures.
type scenario struct {
	name   string
	method string
	body   string // JSON body, "" for none
	// target is the path and query string fixture user n asks for, as
	// sent on the wire.
	target func(user int) string
}

// scenarios are all the benchmark knows, in the order they run.
var scenarios = []scenario{
	{name: "get-one", method: http.MethodGet, target: func(n int) string {
		return "/items?id=eq." + strconv.Itoa(ownItem(n))
	}},
	{name: "list-20", method: http.MethodGet, target: func(int) string {
		return "/items?order=created_at.desc&limit=20"
	}},
	{name: "embed", method: http.MethodGet, target: func(int) string {
		return "/items?select=*,children(*)&order=created_at.desc&limit=20"
	}},
	{name: "insert", method: http.MethodPost, body: `{"title":"bench","amount":7}`, target: func(int) string {
		return "/items"
	}},
	{name: "rpc", method: http.MethodPost, body: `{"min_amount":500}`, target: func(int) string {
		return "/rpc/count_items"
	}},
}

func findScenario(name string) (scenario, bool) {
	for _, s := range scenarios {
		if s.name == name {
			return s, true
		}
	}
	return scenario{}, false
}

// users holds the fixture users' tokens and claims.
type users struct {
	key    *jwks.KeyPair
	tokens []string
}

// benchAudience is the aud claim of every token; rowgate requires it.
const benchAudience = "rowgate-bench"

// mintTokens signs one ES256 token per fixture user.
func mintTokens(key *jwks.KeyPair) (*users, error) {
	u := &users{key: key, tokens: make([]string, numUsers)}
	for n := range numUsers {
		tok, err := key.Sign(map[string]any{
			"sub":  userID(n),
			"role": "authenticated",
			"aud":  benchAudience,
		}, 24*time.Hour)
		if err != nil {
			return nil, err
		}
		u.tokens[n] = tok
	}
	return u, nil
}

// writeRequests writes the request file the wrk script reads: one line per
// user, "<target>\t<token>".
func writeRequests(dir string, s scenario, u *users) (string, error) {
	var sb strings.Builder
	for n, tok := range u.tokens {
		sb.WriteString(s.target(n))
		sb.WriteByte('\t')
		sb.WriteString(tok)
		sb.WriteByte('\n')
	}
	path := filepath.Join(dir, s.name+".requests")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		return "", fmt.Errorf("write request file: %w", err)
	}
	return path, nil
}

// probe sends one request of s as user 0 and returns why it failed, or "".
func probe(ctx context.Context, base string, s scenario, u *users) string {
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, base+s.target(0), body)
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+u.tokens[0])
	if s.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	if resp.StatusCode >= 300 {
		return fmt.Sprintf("HTTP %d %s", resp.StatusCode, strings.TrimSpace(string(text)))
	}
	return ""
}
