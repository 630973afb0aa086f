package main

import (
	"bytes"
	"strings"
	"testing"
)

// A mistyped setting shows at the default log level (error), with the key it most likely
// meant; a PostgREST key rowgate does not implement stays a warning.
func TestLogConfigNotesUnknownAtErrorLevel(t *testing.T) {
	t.Parallel()
	path := writeConfigFile(t, "db-anon-rol = \"anon\"\ndb-pool-timeout = 10\n")
	cfg := mustLoadConfig(t, path, "PGRST_JWT_AUDD=x")
	var out bytes.Buffer
	logConfigNotes(newLogger(cfg.LogLevel, &out), cfg)

	for _, want := range []string{
		`level=ERROR msg="unknown setting ignored: db-anon-rol" key=db-anon-rol did_you_mean=db-anon-role`,
		`level=ERROR msg="unknown setting ignored: PGRST_JWT_AUDD" key=PGRST_JWT_AUDD did_you_mean=PGRST_JWT_AUD`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "db-pool-timeout") {
		t.Errorf("an ignored PostgREST key was logged at error level:\n%s", out.String())
	}
}

func TestClosestKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"db-anon-rol", "db-anon-role"},
		{"PGRST_DB_SHEMAS", "PGRST_DB_SCHEMAS"},
		{"PGRST_JWT_JWKS_URL", "ROWGATE_JWT_JWKS_URL"},
		{"something-else-entirely", ""},
	}
	for _, tt := range tests {
		if got := closestKey(tt.name); got != tt.want {
			t.Errorf("closestKey(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
