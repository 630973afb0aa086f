package jwks

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

func TestJSONBSafe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		json string
		safe bool
	}{
		{`{"a":"plain"}`, true},
		{`{"a":"\u0000"}`, false},
		{`{"a\u0000":1}`, false},
		{`{"a":"x\u0000y"}`, false},
		{`{"a":"\\u0000"}`, true}, // an escaped backslash, then text
		{`{"a":"\\\u0000"}`, false},
		{`{"a":"\u00e9\ud83d\ude00"}`, true},
		{`{"a":"\uD83D\uDE00"}`, true},
		{`{"a":"\ud800"}`, false},
		{`{"a":"\ud800x"}`, false},
		{`{"a":"\ud800\u0041"}`, false},
		{`{"a":"\ude00\ud83d"}`, false},
		{`{"a":"\ud83d\ude00\ude00"}`, false},
		{`{"a":"\n\t\"\/"}`, true},
	}
	for _, tt := range tests {
		if !json.Valid([]byte(tt.json)) {
			t.Fatalf("%s is not valid JSON", tt.json)
		}
		if got := jsonbSafe([]byte(tt.json)); got != tt.safe {
			t.Errorf("jsonbSafe(%s) = %v, want %v", tt.json, got, tt.safe)
		}
	}
}

func TestNumbersSafe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		num  string
		safe bool
	}{
		{"1", true}, {"1.5", true}, {"-2e10", true}, {"1E+4000", true}, {"1e-4000", true},
		{"1e4001", false}, {"1e-4001", false}, {"0e-200000", false},
		{"1e99999999999999999999", false},
	}
	for _, tt := range tests {
		v := map[string]any{"a": []any{map[string]any{"b": json.Number(tt.num)}}}
		if got := numbersSafe(v); got != tt.safe {
			t.Errorf("numbersSafe(%s) = %v, want %v", tt.num, got, tt.safe)
		}
	}
}

// TestClaimsNotJSONB refuses signed tokens whose claims PostgreSQL's jsonb
// cannot hold, with 401 PGRST303.
func TestClaimsNotJSONB(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{Secret: testSecret})
	for _, payload := range []string{
		`{"role":"authenticated","sub":"\u0000"}`,
		`{"role":"authenticated","name":"\ud800"}`,
		`{"role":"authenticated","n":1e5000}`,
	} {
		tok := sign(t, jwa.HS256, testSecret, nil, []byte(payload))
		_, err := v.Identify(context.Background(), bearer(tok))
		e := wantError(t, err, 401, CodeInvalidClaims)
		if strings.Contains(e.Message+e.Details, payload) {
			t.Fatalf("error echoes the payload: %+v", e)
		}
	}
	ok := sign(t, jwa.HS256, testSecret, nil, []byte(`{"role":"authenticated","name":"\\u0000 \ud83d\ude00"}`))
	id, err := v.Identify(context.Background(), bearer(ok))
	wantRole(t, id, err, "authenticated")
}
