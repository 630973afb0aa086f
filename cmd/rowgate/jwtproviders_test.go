package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigJWTProviders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pemPath := filepath.Join(dir, "key.pem")
	pemText := "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n"
	if err := os.WriteFile(pemPath, []byte(pemText), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := strings.Repeat("k", 32)
	providers := `[
		{"jwks_url": "https://neon.example/.well-known/jwks.json", "issuer": "https://neon.example",
		 "audience": "https://neon.example"},
		{"jwks_url": "https://tenant.auth0.example/.well-known/jwks.json",
		 "issuer": "https://tenant.auth0.example/", "audience": ["api-a", "api-b"],
		 "role_claim_key": ".\"https://example.com/role\"", "default_role": "authenticated"},
		{"secret": "` + base64.StdEncoding.EncodeToString([]byte(secret)) + `", "secret_is_base64": true},
		{"pem": "@` + pemPath + `", "issuer": "pem"},
		{"jwks": {"keys": []}}
	]`
	c := mustLoadConfig(t, "",
		"ROWGATE_JWT_PROVIDERS="+providers,
		"ROWGATE_JWT_ALLOWED_ROLES=authenticated, anon ,editor",
		"ROWGATE_JWT_LEEWAY=5",
		"ROWGATE_JWT_JWKS_REFRESH_INTERVAL=60",
		"ROWGATE_JWT_JWKS_MIN_REFRESH_INTERVAL=2",
		"ROWGATE_JWT_JWKS_MAX_STALENESS=3600",
	)

	want := []jwtProvider{
		{JWKSURL: "https://neon.example/.well-known/jwks.json", Issuer: "https://neon.example",
			Audience: []string{"https://neon.example"}},
		{JWKSURL: "https://tenant.auth0.example/.well-known/jwks.json",
			Issuer: "https://tenant.auth0.example/", Audience: []string{"api-a", "api-b"},
			RoleClaimKey: `."https://example.com/role"`, DefaultRole: "authenticated"},
		{Secret: base64.StdEncoding.EncodeToString([]byte(secret)), SecretIsBase64: true},
		{PEM: pemText, Issuer: "pem"},
		{JWKS: `{"keys": []}`},
	}
	if !reflect.DeepEqual(c.JWTProviders, want) {
		t.Fatalf("providers:\n got %+v\nwant %+v", c.JWTProviders, want)
	}
	if !slices.Equal(c.JWTAllowedRoles, []string{"authenticated", "anon", "editor"}) {
		t.Fatalf("allowed roles %q", c.JWTAllowedRoles)
	}
	if c.JWTLeeway != 5*time.Second || c.JWTJWKSRefreshInterval != time.Minute ||
		c.JWTJWKSMinRefreshInterval != 2*time.Second || c.JWTJWKSMaxStaleness != time.Hour {
		t.Fatalf("durations %s %s %s %s", c.JWTLeeway, c.JWTJWKSRefreshInterval,
			c.JWTJWKSMinRefreshInterval, c.JWTJWKSMaxStaleness)
	}

	// The verifier gets every provider, the decoded secret and the limits.
	jc := jwtConfig(c, nil)
	if len(jc.Providers) != 5 || string(jc.Providers[2].Secret) != secret ||
		string(jc.Providers[3].PEM) != pemText || jc.Providers[1].Audience[1] != "api-b" {
		t.Fatalf("jwks providers %+v", jc.Providers)
	}
	if jc.MinRefreshInterval != 2*time.Second || !slices.Equal(jc.AllowedRoles, c.JWTAllowedRoles) {
		t.Fatalf("jwks config %+v", jc)
	}
}

func TestLoadConfigJWTProvidersFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secretPath := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretPath, []byte(strings.Repeat("s", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	listPath := filepath.Join(dir, "providers.json")
	list := `[{"secret": "@` + secretPath + `", "audience": null}]`
	if err := os.WriteFile(listPath, []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeConfigFile(t, `jwt-providers = "@`+listPath+`"`)
	c := mustLoadConfig(t, path)
	if len(c.JWTProviders) != 1 || c.JWTProviders[0].Secret != strings.Repeat("s", 40) {
		t.Fatalf("providers %+v", c.JWTProviders)
	}
}

// TestJWTConfigDeniesLoginRole checks that a token can never claim the
// role the gateway logs in as.
func TestJWTConfigDeniesLoginRole(t *testing.T) {
	t.Parallel()
	c := mustLoadConfig(t, "", "PGRST_DB_URI=postgres://authenticator:pw@127.0.0.1:5432/app")
	if jc := jwtConfig(c, nil); !slices.Equal(jc.DeniedRoles, []string{"authenticator"}) {
		t.Fatalf("DeniedRoles = %q", jc.DeniedRoles)
	}
}

func TestLoadConfigJWTProvidersErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("s", 32)
	tests := []struct {
		name  string
		value string
		key   string
	}{
		{"not JSON", `{`, "jwt-providers"},
		{"not an array", `{"secret":"` + long + `"}`, "jwt-providers"},
		{"unknown field", `[{"secret":"` + long + `","isuer":"x"}]`, "jwt-providers"},
		{"trailing data", `[] []`, "jwt-providers"},
		{"no key", `[{"issuer":"x"}]`, "jwt-providers[0]"},
		{"bad url", `[{"secret":"` + long + `"},{"jwks_url":"file:///etc/passwd"}]`, "jwt-providers[1].jwks_url"},
		{"short secret", `[{"secret":"short"}]`, "jwt-providers[0].secret"},
		{"bad base64", `[{"secret":"***","secret_is_base64":true}]`, "jwt-providers[0].secret"},
		{"jwks not a JWK", `[{"jwks":{"a":1}}]`, "jwt-providers[0].jwks"},
		{"jwks a number", `[{"jwks":5}]`, "jwt-providers[0].jwks"},
		{"pem without block", `[{"pem":"abc"}]`, "jwt-providers[0].pem"},
		{"audience number", `[{"secret":"` + long + `","audience":5}]`, "jwt-providers[0].audience"},
		{"audience empty", `[{"secret":"` + long + `","audience":[""]}]`, "jwt-providers[0].audience"},
		{"default role too long", `[{"secret":"` + long + `","default_role":"` + strings.Repeat("r", 64) + `"}]`,
			"jwt-providers[0].default_role"},
		{"missing file", `[{"pem":"@/nonexistent/key.pem"}]`, "jwt-providers[0].pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig("", []string{"ROWGATE_JWT_PROVIDERS=" + tt.value})
			if keys := configErrorKeys(err); !slices.Contains(keys, tt.key) {
				t.Fatalf("error %v names %q, want %q", err, keys, tt.key)
			}
		})
	}

	// The other new keys.
	for env, key := range map[string]string{
		"ROWGATE_JWT_ALLOWED_ROLES=a," + strings.Repeat("r", 64): "jwt-allowed-roles",
		"ROWGATE_JWT_LEEWAY=-1":                                  "jwt-leeway",
		"ROWGATE_JWT_JWKS_REFRESH_INTERVAL=soon":                 "jwt-jwks-refresh-interval",
		"ROWGATE_JWT_JWKS_MIN_REFRESH_INTERVAL=0":                "jwt-jwks-min-refresh-interval",
		"ROWGATE_JWT_JWKS_MAX_STALENESS=1.5":                     "jwt-jwks-max-staleness",
	} {
		_, err := loadConfig("", []string{env})
		if keys := configErrorKeys(err); !slices.Contains(keys, key) {
			t.Errorf("%s: error %v names %q, want %q", env, err, keys, key)
		}
	}
}
