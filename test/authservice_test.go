package test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

func TestAuthServiceOffByDefault(t *testing.T) {
	t.Parallel()
	r := call(t, "POST", "/auth/sign-up/email", "", `{"email":"a@b.c","password":"long enough","name":""}`)
	expectError(t, r, http.StatusNotFound, "PGRST125")
}

// TestAuthServiceThroughServe runs `rowgate serve` with the auth service on
// and checks the flow end to end: sign-up, the cookie on the Data API, the
// JWT as a bearer token, CORS for an allowed origin, and the other
// providers' tokens still working beside it.
func TestAuthServiceThroughServe(t *testing.T) {
	t.Parallel()
	const app = "https://app.example.com"
	gw, err := startGateway(map[string]string{
		"PGRST_DB_URI":                      env.apiURI,
		"PGRST_DB_ANON_ROLE":                "anon",
		"PGRST_JWT_AUD":                     audience,
		"PGRST_SERVER_CORS_ALLOWED_ORIGINS": app,
		"ROWGATE_JWT_JWKS_URL":              env.jwks.URL,
		"ROWGATE_JWT_DEFAULT_ROLE":          "authenticated",
		"ROWGATE_AUTH_ENABLED":              "true",
		"ROWGATE_AUTH_SECRET":               strings.Repeat("s", 40),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.stop()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	do := func(method, path, body string, headers ...string) *reply {
		t.Helper()
		req, _ := http.NewRequest(method, gw.base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ":")
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return &reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
	}

	// Sign up: the session cookie alone identifies the user to the Data API.
	r := do("POST", "/auth/sign-up/email", `{"email":"eve@example.com","password":"long enough","name":"Eve"}`)
	if r.Status != 200 {
		t.Fatalf("sign-up: %d %s", r.Status, r.Body)
	}
	var up struct{ User struct{ ID string } }
	r.JSON(t, &up)
	r = do("POST", "/items", `{"name":"eve's lamp"}`, "Prefer: return=representation")
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"owner":"`+up.User.ID+`"`) {
		t.Fatalf("insert with the cookie: %d %s", r.Status, r.Body)
	}
	r = do("GET", "/items?select=name&name=eq.eve's%20lamp", "")
	if r.Status != 200 || string(r.Body) == "[]" {
		t.Errorf("read with the cookie: %d %s", r.Status, r.Body)
	}

	// From a foreign page the cookie is ignored: the request is anonymous.
	r = do("POST", "/items", `{"name":"forged"}`, "Origin: https://evil.example.net")
	if r.Status != http.StatusUnauthorized {
		t.Errorf("forged insert: %d %s", r.Status, r.Body)
	}
	// From the allowed origin it counts, with CORS credentials.
	r = do("GET", "/items?select=name&name=eq.eve's%20lamp", "", "Origin: "+app)
	if r.Status != 200 || string(r.Body) == "[]" ||
		r.Header.Get("Access-Control-Allow-Origin") != app ||
		r.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("allowed origin: %d %s %v", r.Status, r.Body, r.Header)
	}

	// Preflight of an auth route from the allowed origin, and from another.
	r = do("OPTIONS", "/auth/sign-in/email", "", "Origin: "+app,
		"Access-Control-Request-Method: POST", "Access-Control-Request-Headers: content-type")
	if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != app ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", r.Status, r.Header)
	}
	r = do("OPTIONS", "/auth/sign-in/email", "", "Origin: https://evil.example.net",
		"Access-Control-Request-Method: POST")
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from a foreign origin allowed: %v", r.Header)
	}

	// The JWT from /auth/token is a bearer token with the configured audience.
	r = do("GET", "/auth/token", "")
	var tok struct{ Token string }
	r.JSON(t, &tok)
	claims := decodeClaims(t, tok.Token)
	if aud, _ := claims["aud"].([]any); len(aud) != 1 || aud[0] != audience || claims["sub"] != up.User.ID || claims["role"] != "authenticated" {
		t.Errorf("claims %v", claims)
	}
	r2, err := doCall("GET", gw.base+"/items?select=name&name=eq.eve's%20lamp", tok.Token, "")
	if err != nil || r2.Status != 200 || string(r2.Body) == "[]" {
		t.Errorf("bearer from /auth/token: %v %d %s", err, r2.Status, r2.Body)
	}

	// The other provider's tokens keep working beside the auth service.
	r2, err = doCall("GET", gw.base+"/items?select=name", token(t, userA, nil), "")
	if err != nil || r2.Status != 200 {
		t.Errorf("provider token: %v %d %s", err, r2.Status, r2.Body)
	}

	// Sign-out: the cookie no longer counts.
	if r = do("POST", "/auth/sign-out", ""); r.Status != 200 {
		t.Fatalf("sign-out: %d %s", r.Status, r.Body)
	}
	r = do("GET", "/items?select=name&name=eq.eve's%20lamp", "")
	if r.Status != 200 || string(r.Body) != "[]" {
		t.Errorf("read after sign-out: %d %s", r.Status, r.Body)
	}
}

func decodeClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
