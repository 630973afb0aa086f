package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rowgate/rowgate/jwks"
)

func TestSignUpSessionTokenAndSignOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	c := e.browser(t)

	// Sign-up signs in: a session cookie, HttpOnly, Lax on plain HTTP.
	r := e.call(t, c, "POST", "/auth/sign-up/email",
		map[string]string{"email": " Ada@Example.com", "password": "correct horse", "name": "Ada"})
	if r.status != http.StatusOK {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	body := r.json(t)
	user := body["user"].(map[string]any)
	if user["email"] != "ada@example.com" || user["name"] != "Ada" || user["emailVerified"] != false {
		t.Errorf("user = %v", user)
	}
	setCookie := r.header.Get("Set-Cookie")
	for _, want := range []string{cookieName + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", setCookie, want)
		}
	}
	cookie := e.sessionCookie(t, c)
	if cookie == "" || body["token"] != cookie {
		t.Fatalf("cookie %q, token %v", cookie, body["token"])
	}

	// get-session returns the session and a JWT in set-auth-jwt.
	r = e.call(t, c, "GET", "/auth/get-session", nil)
	if r.status != http.StatusOK {
		t.Fatalf("get-session: %d %s", r.status, r.body)
	}
	got := r.json(t)
	if got["user"].(map[string]any)["id"] != user["id"] {
		t.Errorf("get-session user = %v", got["user"])
	}
	if r.header.Get("Set-Auth-Jwt") == "" {
		t.Error("get-session sent no set-auth-jwt header")
	}

	// /token gives a JWT that verifies against /jwks fetched over HTTP.
	r = e.call(t, c, "GET", "/auth/token", nil)
	if r.status != http.StatusOK {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal(r.body, &tok); err != nil {
		t.Fatal(err)
	}
	v, err := jwks.New(ctx, jwks.Config{JWKSURL: e.srv.URL + "/auth/jwks"})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	id, err := v.Identify(ctx, "Bearer "+tok.Token)
	if err != nil {
		t.Fatalf("token does not verify against /jwks: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(id.Claims, &claims); err != nil {
		t.Fatal(err)
	}
	if id.Role != "authenticated" || claims["sub"] != user["id"] || claims["email"] != "ada@example.com" {
		t.Errorf("identity role=%s claims=%v", id.Role, claims)
	}
	if life := claims["exp"].(float64) - claims["iat"].(float64); life != 900 {
		t.Errorf("token lifetime %vs, want 900", life)
	}
	if hdr := jwtHeader(t, tok.Token); hdr["alg"] != "EdDSA" || !jwks.IsSignerKeyID(hdr["kid"].(string)) {
		t.Errorf("token header %v", hdr)
	}

	// Sign-out revokes the session: the cookie, even replayed, is dead.
	r = e.call(t, c, "POST", "/auth/sign-out", nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign-out: %d %s %v", r.status, r.body, r.header)
	}
	replay := e.browser(t)
	for _, path := range []string{"/auth/get-session", "/auth/token"} {
		r = e.call(t, replay, "GET", path, nil, "Cookie: "+cookieName+"="+cookie)
		if path == "/auth/get-session" && (r.status != 200 || strings.TrimSpace(string(r.body)) != "null") {
			t.Errorf("replayed cookie after sign-out: %s %d %s", path, r.status, r.body)
		}
		if path == "/auth/token" && r.status != http.StatusUnauthorized {
			t.Errorf("replayed cookie after sign-out: %s %d %s", path, r.status, r.body)
		}
	}
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM neon_auth.session`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d sessions left after sign-out", n)
	}
}

func TestSecretsStoredHashed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	c := e.browser(t)
	const password = "s3cret password"
	e.signUp(t, c, "grace@example.com", password)
	cookie := e.sessionCookie(t, c)

	// The session row holds the SHA-256 of the cookie, not the cookie.
	var stored string
	if err := e.pool.QueryRow(ctx, `SELECT token FROM neon_auth.session`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(cookie))
	if stored == cookie || stored != hex.EncodeToString(sum[:]) {
		t.Errorf("session.token = %q for cookie %q", stored, cookie)
	}

	// The password column holds a salted scrypt hash.
	var hash, provider string
	const q = `SELECT password, "providerId" FROM neon_auth.account a
		JOIN neon_auth."user" u ON u.id = a."userId" WHERE u.email = 'grace@example.com'`
	if err := e.pool.QueryRow(ctx, q).Scan(&hash, &provider); err != nil {
		t.Fatal(err)
	}
	salt, key, ok := strings.Cut(hash, ":")
	if strings.Contains(hash, password) || !ok || len(salt) != 32 || len(key) != 128 || provider != "credential" {
		t.Errorf("account.password = %q (provider %s)", hash, provider)
	}

	// The Neon-documented query works as written.
	var id, email string
	var verified bool
	var created time.Time
	const doc = `SELECT id, email, "emailVerified", "createdAt" FROM neon_auth.user`
	if err := e.pool.QueryRow(ctx, doc).Scan(&id, &email, &verified, &created); err != nil {
		t.Fatalf("documented query: %v", err)
	}

	// The request roles cannot read the auth tables.
	conn := e.db.Conn(t, "authenticator")
	if _, err := conn.Exec(ctx, `SET ROLE authenticated`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT * FROM neon_auth.account`); err == nil {
		t.Error("role authenticated can read neon_auth.account")
	}
}

func TestPasswordHashCompatibleWithBetterAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHasher()
	// Made by Better Auth's hashPassword for "correct horse ﬁ battery"
	// (with the ligature, which NFKC turns into "fi").
	const stored = "c329cf14eb2b887ef58cd3b099b19fc3:e712e230376143da967b17fd2512c8f96c0e81cf" +
		"bec334dddaf04bf3562c7c62ce806edd45efe636427680dca108e18e76eb52859b91c106bea086eaf14d19a6"
	tests := []struct {
		password string
		want     bool
	}{
		{"correct horse ﬁ battery", true},
		{"correct horse fi battery", true},
		{"correct horse fi batter", false},
		{"", false},
	}
	for _, tt := range tests {
		ok, err := h.verify(ctx, stored, tt.password)
		if err != nil || ok != tt.want {
			t.Errorf("verify(%q) = %v, %v; want %v", tt.password, ok, err, tt.want)
		}
	}
	if _, err := h.verify(ctx, "nonsense", "x"); err == nil {
		t.Error("a malformed hash verified without error")
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	c := e.browser(t)
	e.signUp(t, c, "taken@example.com", "long enough")

	tests := []struct {
		name   string
		path   string
		body   any
		status int
		code   string
	}{
		{"bad email", "/auth/sign-up/email", map[string]string{"email": "nope", "password": "long enough", "name": ""}, 400, "INVALID_EMAIL"},
		{"email with name", "/auth/sign-up/email", map[string]string{"email": "A <a@b.c>", "password": "long enough", "name": ""}, 400, "INVALID_EMAIL"},
		{"short password", "/auth/sign-up/email", map[string]string{"email": "a@b.c", "password": "short", "name": ""}, 400, "PASSWORD_TOO_SHORT"},
		{"long password", "/auth/sign-up/email", map[string]string{"email": "a@b.c", "password": strings.Repeat("x", 129), "name": ""}, 400, "PASSWORD_TOO_LONG"},
		{"no name", "/auth/sign-up/email", map[string]string{"email": "a@b.c", "password": "long enough"}, 400, "VALIDATION_ERROR"},
		{"taken", "/auth/sign-up/email", map[string]string{"email": "TAKEN@example.com", "password": "long enough", "name": ""}, 422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"},
		{"not json", "/auth/sign-in/email", "just a string", 400, "VALIDATION_ERROR"},
		{"wrong types", "/auth/sign-in/email", map[string]int{"email": 1}, 400, "VALIDATION_ERROR"},
		{"no password", "/auth/sign-in/email", map[string]string{"email": "a@b.c"}, 400, "INVALID_PASSWORD"},
	}
	for _, tt := range tests {
		r := e.call(t, e.browser(t), "POST", tt.path, tt.body)
		if r.status != tt.status || r.json(t)["code"] != tt.code {
			t.Errorf("%s: %d %s; want %d %s", tt.name, r.status, r.body, tt.status, tt.code)
		}
	}
}

func TestOriginChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.AllowedOrigins = []string{"https://app.example.com"} })
	e.signUp(t, e.browser(t), "olga@example.com", "long enough")
	body := map[string]string{"email": "olga@example.com", "password": "long enough"}

	tests := []struct {
		name    string
		headers []string
		status  int
	}{
		{"no origin", nil, 200},
		{"own origin", []string{"Origin: " + e.srv.URL}, 200},
		{"allowed origin", []string{"Origin: https://app.example.com"}, 200},
		{"foreign origin", []string{"Origin: https://evil.example.net"}, 403},
		{"cross-site without origin", []string{"Sec-Fetch-Site: cross-site"}, 403},
	}
	for _, tt := range tests {
		r := e.call(t, e.browser(t), "POST", "/auth/sign-in/email", body, tt.headers...)
		if r.status != tt.status {
			t.Errorf("%s: %d %s; want %d", tt.name, r.status, r.body, tt.status)
		}
	}

	// A foreign page cannot read the session through the browser's cookie.
	c := e.browser(t)
	e.call(t, c, "POST", "/auth/sign-in/email", body)
	for _, tt := range tests {
		r := e.call(t, c, "GET", "/auth/get-session", nil, tt.headers...)
		hasSession := strings.Contains(string(r.body), "olga@example.com")
		if r.status != 200 || hasSession != (tt.status == 200) {
			t.Errorf("get-session, %s: %d %s", tt.name, r.status, r.body)
		}
	}
}

// TestOwnOriginBesideBaseURL: a page of the origin a request was sent to
// is same-origin even when BaseURL names another host for the same
// server (such as localhost and 127.0.0.1).
func TestOwnOriginBesideBaseURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.BaseURL = "http://localhost:1" })
	e.signUp(t, e.browser(t), "otto@example.com", "long enough")
	body := map[string]string{"email": "otto@example.com", "password": "long enough"}
	for origin, want := range map[string]int{
		e.srv.URL:                  200,
		"http://localhost:1":       200,
		"https://evil.example.net": 403,
	} {
		r := e.call(t, e.browser(t), "POST", "/auth/sign-in/email", body, "Origin: "+origin)
		if r.status != want {
			t.Errorf("origin %s: %d %s; want %d", origin, r.status, r.body, want)
		}
	}
}

// jwtHeader decodes a token's header.
func jwtHeader(t *testing.T, tok string) map[string]any {
	t.Helper()
	part, _, _ := strings.Cut(tok, ".")
	raw, err := decodeSegment(part)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
