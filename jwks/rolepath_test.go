package jwks

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

func TestRoleClaimKey(t *testing.T) {
	t.Parallel()
	payload := map[string]any{
		"role":                     "top",
		"app_metadata":             map[string]any{"role": "nested", "list": []any{"x", map[string]any{"r": "deep"}}},
		"roles":                    []any{"first", "second"},
		"https://example.com/role": "namespaced",
		`we"ird`:                   "quoted",
		"num":                      7,
	}
	tests := []struct {
		key    string
		status int // 0: success
		want   string
	}{
		{"", 0, "top"},
		{".role", 0, "top"},
		{"$.role", 0, "top"},
		{`."role"`, 0, "top"},
		{`$["role"]`, 0, "top"},
		{".app_metadata.role", 0, "nested"},
		{"$.app_metadata.role", 0, "nested"},
		{".app_metadata.list[1].r", 0, "deep"},
		{".roles[0]", 0, "first"},
		{"$.roles[1]", 0, "second"},
		{`."https://example.com/role"`, 0, "namespaced"},
		{`$."https://example.com/role"`, 0, "namespaced"},
		{`."we\"ird"`, 0, "quoted"},
		// Missing paths fall back to the default role.
		{".roles[5]", 0, "fallback"},
		{".missing", 0, "fallback"},
		{".role.deeper", 0, "fallback"},
		{".roles.x", 0, "fallback"},
		{".app_metadata[0]", 0, "fallback"},
		// A non-string value is an invalid token.
		{".num", 401, CodeInvalidToken},
		{".roles", 401, CodeInvalidToken},
		{".app_metadata", 401, CodeInvalidToken},
	}
	tok := sign(t, jwa.HS256, testSecret, nil, claims(payload))
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, Config{Secret: testSecret, RoleClaimKey: tt.key, DefaultRole: "fallback"})
			id, err := v.Identify(context.Background(), bearer(tok))
			if tt.status != 0 {
				wantError(t, err, tt.status, tt.want)
				return
			}
			wantRole(t, id, err, tt.want)
		})
	}
}

func TestRoleClaimKeyInvalid(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"role", "$", ".", "..role", ".role.", "[0", "[x]", "[-1]", "[99999999999]", `."open`, `.a b`, "$role", ".a]", `$["x"`} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			_, err := New(context.Background(), Config{Secret: testSecret, RoleClaimKey: key, Logger: quietLogger()})
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != "RoleClaimKey" {
				t.Fatalf("New error = %v, want a RoleClaimKey ConfigError", err)
			}
		})
	}
}

func TestRoleFallbacks(t *testing.T) {
	t.Parallel()
	noRole := sign(t, jwa.HS256, testSecret, nil, claims(map[string]any{"role": nil}))
	tests := []struct {
		name          string
		defRole, anon string
		status        int
		want          string
	}{
		{"default role", "authenticated", "anon", 0, "authenticated"},
		{"anon when no default", "", "anon", 0, "anon"},
		{"refused when neither", "", "", 401, CodeAnonDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, Config{Secret: testSecret, DefaultRole: tt.defRole, AnonRole: tt.anon})
			id, err := v.Identify(context.Background(), bearer(noRole))
			if tt.status != 0 {
				e := wantError(t, err, tt.status, tt.want)
				if got := e.WWWAuthenticate(); got == "Bearer" {
					t.Fatalf("a sent token must get an invalid_token challenge, got %q", got)
				}
				return
			}
			wantRole(t, id, err, tt.want)
			if id.Anonymous {
				t.Fatal("a verified token is not anonymous")
			}
		})
	}
}

func TestAnonymous(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{Secret: testSecret, AnonRole: `we"b_anon`})
	for _, auth := range []string{"", "Basic dXNlcjpwYXNz", "Token abc", "   "} {
		id, err := v.Identify(context.Background(), auth)
		wantRole(t, id, err, `we"b_anon`)
		if !id.Anonymous {
			t.Fatalf("%q: not anonymous", auth)
		}
		if string(id.Claims) != `{"role":"we\"b_anon"}` {
			t.Fatalf("claims = %s", id.Claims)
		}
	}

	off := newVerifier(t, Config{Secret: testSecret})
	for _, auth := range []string{"", "Basic dXNlcjpwYXNz"} {
		_, err := off.Identify(context.Background(), auth)
		e := wantError(t, err, 401, CodeAnonDisabled)
		if e.Message != "Anonymous access is disabled" || e.WWWAuthenticate() != "Bearer" {
			t.Fatalf("%q: got %q / %q", auth, e.Message, e.WWWAuthenticate())
		}
	}
}

func TestClaimsJSON(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{Secret: testSecret, DefaultRole: "authenticated", RoleClaimKey: ".app.role"})
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"role inserted, bytes kept", `{"sub":"u1", "big":12345678901234567890123, "f":1.50}`,
			`{"role":"authenticated","sub":"u1", "big":12345678901234567890123, "f":1.50}`},
		{"empty object", ` { } `, `{"role":"authenticated" }`},
		{"role replaced", `{"role":"other","app":{"role":"editor"},"n":1e3}`,
			`{"app":{"role":"editor"},"n":1e3,"role":"editor"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := v.Identify(context.Background(), bearer(sign(t, jwa.HS256, testSecret, nil, []byte(tt.payload))))
			if err != nil {
				t.Fatal(err)
			}
			if string(id.Claims) != tt.want {
				t.Fatalf("claims = %s, want %s", id.Claims, tt.want)
			}
			if !json.Valid(id.Claims) {
				t.Fatalf("claims are not valid JSON: %s", id.Claims)
			}
		})
	}

	// When the payload already carries the effective role, it is passed on as signed.
	same := newVerifier(t, Config{Secret: testSecret})
	raw := `{"role":"authenticated","sub":"u1","n":0.10}`
	id, err := same.Identify(context.Background(), bearer(sign(t, jwa.HS256, testSecret, nil, []byte(raw))))
	if err != nil || string(id.Claims) != raw {
		t.Fatalf("claims = %s, %v; want %s", id.Claims, err, raw)
	}
}
