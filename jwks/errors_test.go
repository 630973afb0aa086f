package jwks

import (
	"strings"
	"testing"
)

func TestWWWAuthenticate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"not a 401", errKeysUnavailable("x"), ""},
		{"server error", errNoSecret(), ""},
		{"no token", errAnonDisabled(), "Bearer"},
		{"bad token", errSignature(), `Bearer error="invalid_token", error_description="JWT cryptographic operation failed"`},
		{"hostile message", &Error{Status: 401, Code: CodeInvalidToken, Message: "a\"b\\c\r\nSet-Cookie: x=1\x00é"},
			`Bearer error="invalid_token", error_description="a'bc  Set-Cookie: x=1"`},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.err.WWWAuthenticate()
			if got != tt.want {
				t.Fatalf("WWWAuthenticate = %q, want %q", got, tt.want)
			}
			if strings.ContainsAny(got, "\r\n\x00") {
				t.Fatalf("unsafe header value %q", got)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := errDecode("the header is not base64url")
	if got := e.Error(); got != "PGRST301: JWT cannot be decoded: the header is not base64url" {
		t.Fatalf("Error() = %q", got)
	}
}
