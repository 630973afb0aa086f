package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	pgsql "github.com/rowgate/rowgate/sql"
	"github.com/rowgate/rowgate/sql/pgtest"
)

// testSecret is a 32-byte auth secret.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// clock is a settable time source for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// outbox is a Sender that keeps the messages.
type outbox struct {
	mu   sync.Mutex
	msgs []Message
}

func (o *outbox) Send(_ context.Context, m Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

func (o *outbox) all() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Message(nil), o.msgs...)
}

// env is one auth service over a database of its own, served over HTTP
// on a loopback port.
type env struct {
	db    *pgtest.DB
	pool  *pgxpool.Pool
	store *pgsql.AuthStore
	svc   *Service
	echo  *echo.Echo
	srv   *httptest.Server
}

// newEnv sets up a database and starts the service; configure may change
// the configuration before New.
func newEnv(t *testing.T, configure func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	if _, err := pgsql.Setup(ctx, db.Admin(t), pgsql.SetupOptions{}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	pool := db.Pool(t, pgsql.DefaultAuthenticator, 4, nil)
	store := pgsql.NewAuthStore(pool)
	cfg := Config{Store: store, Secret: testSecret}
	if configure != nil {
		configure(&cfg)
	}
	svc, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e := echo.New()
	svc.Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &env{db: db, pool: pool, store: store, svc: svc, echo: e, srv: srv}
}

// callFrom sends method path with a JSON body straight to the handler as
// if from the client address addr, and reports the answer and how long
// it took; edit may change the request first.
func (e *env) callFrom(t *testing.T, addr, method, path string, body any,
	edit ...func(*http.Request)) (reply, time.Duration) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req.RemoteAddr = addr + ":40000"
	req.Header.Set("Content-Type", "application/json")
	for _, f := range edit {
		f(req)
	}
	rec := httptest.NewRecorder()
	start := time.Now()
	e.echo.ServeHTTP(rec, req)
	took := time.Since(start)
	return reply{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}, took
}

// browser is an HTTP client with its own cookie jar.
func (e *env) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// reply is a response with its body read.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

// call sends method path with body (JSON-encoded when not nil) and extra
// headers as "Name: value" strings.
func (e *env) call(t *testing.T, c *http.Client, method, path string, body any, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// signUp registers a user and fails the test unless it works.
func (e *env) signUp(t *testing.T, c *http.Client, email, password string) map[string]any {
	t.Helper()
	r := e.call(t, c, "POST", "/auth/sign-up/email",
		map[string]string{"email": email, "password": password, "name": "Test " + email})
	if r.status != http.StatusOK {
		t.Fatalf("sign-up %s: %d %s", email, r.status, r.body)
	}
	return r.json(t)
}

// sessionCookie returns the session cookie the client holds, or "".
func (e *env) sessionCookie(t *testing.T, c *http.Client) string {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/", nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		if ck.Name == cookieName {
			return ck.Value
		}
	}
	return ""
}

func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(s)
}
