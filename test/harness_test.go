package test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/jwks"
)

// Fixed identities used across the tests.
const (
	userA = "aaaaaaaa-0000-4000-8000-000000000001"
	userB = "bbbbbbbb-0000-4000-8000-000000000002"
	userC = "cccccccc-0000-4000-8000-000000000003"

	audience = "rowgate-tests"
)

// env is the shared end-to-end environment built once by TestMain.
var env struct {
	binary   string // the built rowgate binary
	adminURI string // superuser URL of the test database
	apiURI   string // authenticator URL of the test database
	key      *jwks.KeyPair
	jwks     *httptest.Server
	gw       *gatewayProc
}

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "end-to-end setup failed:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "rowgate-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)

	// The binary under test.
	env.binary = filepath.Join(tmp, "rowgate")
	build := exec.Command("go", "build", "-o", env.binary, "../cmd/rowgate")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return 0, fmt.Errorf("build rowgate: %w", err)
	}

	// A database of our own, set up by the real `rowgate setup`.
	dbName, drop, err := createDatabase(ctx)
	if err != nil {
		return 0, err
	}
	defer drop()
	env.adminURI = withDB(baseURI(), dbName, "")
	env.apiURI = withDB(baseURI(), dbName, "authenticator")
	if out, err := exec.Command(env.binary, "setup", "--db-uri", env.adminURI).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("rowgate setup: %v\n%s", err, out)
	}
	if err := loadFixtures(ctx, env.adminURI); err != nil {
		return 0, err
	}

	// A real JWKS endpoint with an RS256 key.
	env.key, err = jwks.GenerateKeyPair("RS256", "test-key-1")
	if err != nil {
		return 0, err
	}
	doc := env.key.PublicJWKS()
	env.jwks = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	defer env.jwks.Close()

	// The gateway, with a pool of two connections so that concurrent
	// requests from different users share connections.
	env.gw, err = startGateway(map[string]string{
		"PGRST_DB_URI":             env.apiURI,
		"PGRST_DB_ANON_ROLE":       "anon",
		"PGRST_DB_POOL":            "2",
		"PGRST_JWT_AUD":            audience,
		"ROWGATE_JWT_JWKS_URL":     env.jwks.URL,
		"ROWGATE_JWT_DEFAULT_ROLE": "authenticated",
	})
	if err != nil {
		return 0, err
	}
	defer env.gw.stop()

	return m.Run(), nil
}

// baseURI is the superuser URL the tests start from.
func baseURI() string {
	if v := os.Getenv("ROWGATE_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// withDB swaps the database name, and the user when one is given.
func withDB(uri, db, user string) string {
	u, err := url.Parse(uri)
	if err != nil {
		panic("test: bad ROWGATE_TEST_DATABASE_URL: " + err.Error())
	}
	u.Path = "/" + db
	if user != "" {
		u.User = url.User(user)
	}
	return u.String()
}

func createDatabase(ctx context.Context) (string, func(), error) {
	conn, err := pgx.Connect(ctx, baseURI())
	if err != nil {
		return "", nil, fmt.Errorf("connect to PostgreSQL (set ROWGATE_TEST_DATABASE_URL): %w", err)
	}
	defer conn.Close(ctx)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := "rowgate_e2e_" + hex.EncodeToString(suffix)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() {
		c, err := pgx.Connect(context.Background(), baseURI())
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return name, drop, nil
}

// loadFixtures runs testdata/fixture.sql, then every other testdata/*.sql
// in name order, so each test file can bring its own tables.
func loadFixtures(ctx context.Context, uri string) error {
	files, err := filepath.Glob("testdata/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	ordered := []string{"testdata/fixture.sql"}
	for _, f := range files {
		if f != ordered[0] {
			ordered = append(ordered, f)
		}
	}
	for _, f := range ordered {
		if err := execFile(ctx, uri, f); err != nil {
			return err
		}
	}
	return nil
}

func execFile(ctx context.Context, uri, path string) error {
	sqlText, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, uri)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, string(sqlText)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// gatewayProc is a running `rowgate serve`.
type gatewayProc struct {
	cmd   *exec.Cmd
	base  string // http://127.0.0.1:port
	admin string // http://127.0.0.1:adminport
	out   *syncBuffer
}

// launchGateway starts `rowgate serve` on free loopback ports with
// settings in its environment (log level info unless settings say
// otherwise) and returns without waiting for it.
func launchGateway(settings map[string]string) (*gatewayProc, error) {
	port, admin := freePort(), freePort()
	cmd := exec.Command(env.binary, "serve")
	cmd.Env = append(os.Environ(),
		"PGRST_SERVER_HOST=127.0.0.1",
		fmt.Sprintf("PGRST_SERVER_PORT=%d", port),
		fmt.Sprintf("PGRST_ADMIN_SERVER_PORT=%d", admin),
		"PGRST_LOG_LEVEL=info",
	)
	for k, v := range settings {
		cmd.Env = append(cmd.Env, k+"="+v) // a later entry wins
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &gatewayProc{cmd: cmd, out: out,
		base:  fmt.Sprintf("http://127.0.0.1:%d", port),
		admin: fmt.Sprintf("http://127.0.0.1:%d", admin)}, nil
}

// startGateway runs `rowgate serve` with the given settings in its
// environment and waits until /ready says yes.
func startGateway(settings map[string]string) (*gatewayProc, error) {
	g, err := launchGateway(settings)
	if err != nil {
		return nil, err
	}
	cmd, out := g.cmd, g.out

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(g.admin + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return g, nil
			}
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	g.stop()
	return nil, fmt.Errorf("rowgate did not become ready:\n%s", out.String())
}

func (g *gatewayProc) stop() {
	if g.cmd.Process != nil {
		_ = g.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = g.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = g.cmd.Process.Kill()
		}
	}
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a child process's output safely.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// token mints an RS256 token for sub with the test audience.
func token(t testing.TB, sub string, extra map[string]any) string {
	t.Helper()
	claims := map[string]any{"sub": sub, "aud": audience}
	for k, v := range extra {
		claims[k] = v
	}
	tok, err := env.key.Sign(claims, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// reply is a response with its body read.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *reply) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// call sends one request to the gateway. headers are "Name: value" lines.
func call(t testing.TB, method, path, tok, body string, headers ...string) *reply {
	t.Helper()
	r, err := doCall(method, env.gw.base+path, tok, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func doCall(method, target, tok, body string, headers ...string) (*reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &reply{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// expectError checks a PostgREST error object's status and code.
func expectError(t testing.TB, r *reply, status int, code string) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	var obj map[string]any
	r.JSON(t, &obj)
	for _, k := range []string{"code", "message", "details", "hint"} {
		if _, ok := obj[k]; !ok {
			t.Fatalf("error object lacks %q: %s", k, r.Body)
		}
	}
	if obj["code"] != code {
		t.Fatalf("code = %v, want %s; body %s", obj["code"], code, r.Body)
	}
	return obj
}

// lines reads a process's output line by line until match returns true.
func waitForLine(r io.Reader, timeout time.Duration, match func(string) bool) (string, error) {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if match(sc.Text()) {
				found <- sc.Text()
				return
			}
		}
		close(found)
	}()
	select {
	case line, ok := <-found:
		if !ok {
			return "", io.EOF
		}
		return line, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("timed out after %s", timeout)
	}
}
