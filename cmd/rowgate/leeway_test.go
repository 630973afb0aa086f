package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/rowgate/rowgate/jwks"
)

// jwt-leeway = 0 is accepted and means no leeway: a token that expired seconds ago is
// refused, while the default leeway (30 s) still accepts it.
func TestJWTLeewayZero(t *testing.T) {
	t.Parallel()
	key, err := jwks.GenerateKeyPair("ES256", "leeway-test")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := key.Sign(map[string]any{"role": "authenticated",
		"exp": time.Now().Add(-5 * time.Second)}, 0)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		environ  []string
		accepted bool
	}{
		{"default leeway", nil, true},
		{"leeway 10", []string{"ROWGATE_JWT_LEEWAY=10"}, true},
		{"leeway 0", []string{"ROWGATE_JWT_LEEWAY=0"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			environ := append([]string{"PGRST_JWT_SECRET=" + string(key.PublicJWKS())}, tt.environ...)
			cfg := mustLoadConfig(t, "", environ...)
			v, err := jwks.New(context.Background(), jwtConfig(cfg, newLogger("crit", io.Discard)))
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			_, err = v.Identify(context.Background(), "Bearer "+tok)
			if (err == nil) != tt.accepted {
				t.Errorf("Identify: %v, want accepted=%v", err, tt.accepted)
			}
		})
	}
}

func TestJWTLeewaySetting(t *testing.T) {
	t.Parallel()
	if c := mustLoadConfig(t, ""); c.JWTLeeway != jwks.DefaultLeeway {
		t.Errorf("default leeway %s, want %s", c.JWTLeeway, jwks.DefaultLeeway)
	}
	if c := mustLoadConfig(t, "", "ROWGATE_JWT_LEEWAY=0"); c.JWTLeeway != 0 {
		t.Errorf("jwt-leeway = 0 gave %s", c.JWTLeeway)
	}
	_, err := loadConfig("", []string{"ROWGATE_JWT_LEEWAY=-1"})
	if keys := configErrorKeys(err); len(keys) != 1 || keys[0] != "jwt-leeway" {
		t.Errorf("jwt-leeway = -1: %v", err)
	}
}
