package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/jwks"
)

// A setting the verifier refuses is reported on one line under the setting's name.
func TestJWTSettingErrorNamesTheSetting(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("s", 32)
	tests := []struct {
		name    string
		environ []string
		key     string
	}{
		{"role claim key", []string{"PGRST_JWT_SECRET=" + secret, "PGRST_JWT_ROLE_CLAIM_KEY=..role"},
			"jwt-role-claim-key"},
		{"provider role claim key", []string{
			`ROWGATE_JWT_PROVIDERS=[{"secret":"` + secret + `","role_claim_key":"[x"}]`},
			"jwt-providers[0].role_claim_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustLoadConfig(t, "", tt.environ...)
			_, err := jwks.New(context.Background(), jwtConfig(cfg, newLogger("crit", io.Discard)))
			if err == nil {
				t.Fatal("jwks.New accepted the setting")
			}
			got := jwtSettingError(err, len(cfg.JWTProviders))
			var ce *configError
			if !errors.As(got, &ce) || ce.Key != tt.key {
				t.Fatalf("error %q does not name %s", got, tt.key)
			}
			if msg := got.Error(); !strings.HasPrefix(msg, tt.key+": ") ||
				strings.Contains(msg, "\n") || strings.Contains(msg, "jwks: invalid") {
				t.Errorf("error %q is not one line starting with %q", msg, tt.key+": ")
			}
		})
	}
}

func TestJWTSettingErrorFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		field      string
		configured int
		key        string
	}{
		{"Audience", 0, "jwt-aud"},
		{"AnonRole", 0, "db-anon-role"},
		{"JWKSURL", 0, "jwt-jwks-url"},
		{"Leeway", 0, "jwt-leeway"},
		{"Providers[1].JWKSURL", 2, "jwt-providers[1].jwks_url"},
		{"Providers[0]", 1, "jwt-providers[0]"},
		{"Providers[2].JWKS", 2, "auth-enabled"},
	}
	for _, tt := range tests {
		err := jwtSettingError(&jwks.ConfigError{Field: tt.field, Err: errors.New("bad")}, tt.configured)
		if want := tt.key + ": bad"; err.Error() != want {
			t.Errorf("%s: %q, want %q", tt.field, err, want)
		}
	}
	if plain := errors.New("x"); jwtSettingError(plain, 0) != plain {
		t.Error("an error that is not a ConfigError was changed")
	}
}
