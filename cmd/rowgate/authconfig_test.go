package main

import (
	"strings"
	"testing"
)

func TestAuthConfig(t *testing.T) {
	t.Parallel()
	secret := "ROWGATE_AUTH_SECRET=" + strings.Repeat("k", 32)
	tests := []struct {
		name    string
		environ []string
		errKey  string // "" when the config is valid
		check   func(t *testing.T, c Config)
	}{
		{"defaults: off", nil, "", func(t *testing.T, c Config) {
			if c.AuthEnabled || c.AuthPrefix != "" || c.AuthJWTAlg != "" || c.AuthRequireEmailVerification {
				t.Errorf("defaults %+v", c)
			}
		}},
		{"on with a secret", []string{"ROWGATE_AUTH_ENABLED=true", secret,
			"ROWGATE_AUTH_PREFIX=/api/auth", "ROWGATE_AUTH_JWT_ALG=ES256",
			"ROWGATE_AUTH_REQUIRE_EMAIL_VERIFICATION=true", "ROWGATE_AUTH_BASE_URL=https://api.example.com"},
			"", func(t *testing.T, c Config) {
				if !c.AuthEnabled || c.AuthPrefix != "/api/auth" || c.AuthJWTAlg != "ES256" ||
					!c.AuthRequireEmailVerification || c.AuthBaseURL != "https://api.example.com" {
					t.Errorf("config %+v", c)
				}
			}},
		{"on without a secret", []string{"ROWGATE_AUTH_ENABLED=true"}, "auth-secret", nil},
		{"short secret", []string{"ROWGATE_AUTH_ENABLED=true", "ROWGATE_AUTH_SECRET=short"}, "auth-secret", nil},
		{"bad enabled", []string{"ROWGATE_AUTH_ENABLED=yes"}, "auth-enabled", nil},
		{"bad alg", []string{"ROWGATE_AUTH_JWT_ALG=HS256"}, "auth-jwt-alg", nil},
		{"root prefix", []string{"ROWGATE_AUTH_PREFIX=/"}, "auth-prefix", nil},
		{"relative prefix", []string{"ROWGATE_AUTH_PREFIX=auth"}, "auth-prefix", nil},
		{"bad base url", []string{"ROWGATE_AUTH_BASE_URL=api.example.com"}, "auth-base-url", nil},
		{"verification without a base url", []string{"ROWGATE_AUTH_ENABLED=true", secret,
			"ROWGATE_AUTH_REQUIRE_EMAIL_VERIFICATION=true"}, "auth-base-url", nil},
		{"verification while off needs no base url", []string{
			"ROWGATE_AUTH_REQUIRE_EMAIL_VERIFICATION=true"}, "", func(t *testing.T, c Config) {
			if c.AuthEnabled || !c.AuthRequireEmailVerification {
				t.Errorf("config %+v", c)
			}
		}},
		{"PGRST spelling is not ours", []string{"PGRST_AUTH_ENABLED=true"}, "", func(t *testing.T, c Config) {
			if c.AuthEnabled {
				t.Error("PGRST_AUTH_ENABLED turned the auth service on")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := loadConfig("", tt.environ)
			if tt.errKey == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				tt.check(t, c)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errKey+":") {
				t.Fatalf("error %v, want one naming %s", err, tt.errKey)
			}
		})
	}
}
