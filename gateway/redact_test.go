package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestSessionCookiesRedacted(t *testing.T) {
	t.Parallel()
	const tok = "s3cretS3ssionT0kenValue"
	tests := []struct {
		name    string
		cookie  []string // Cookie header values; nil sends none
		headers string   // request.headers' "cookie", "" when absent
		cookies map[string]string
	}{
		{"no cookie", nil, "", map[string]string{}},
		{"no session cookie", []string{"theme=dark; lang=en"}, "theme=dark; lang=en",
			map[string]string{"theme": "dark", "lang": "en"}},
		{"session cookie among others",
			[]string{"theme=dark; neonauth.session_token=" + tok + "; lang=en"},
			"theme=dark; lang=en", map[string]string{"theme": "dark", "lang": "en"}},
		{"secure cookie alone", []string{"__Secure-neonauth.session_token=" + tok},
			"", map[string]string{}},
		{"cookie cache", []string{"neonauth.session_data=" + tok + ";a=1"},
			"a=1", map[string]string{"a": "1"}},
		{"spaces around the name", []string{"a=1;   neonauth.session_token=" + tok},
			"a=1", map[string]string{"a": "1"}},
		{"look-alike name kept", []string{"my.neonauth.session_token=x"},
			"my.neonauth.session_token=x", map[string]string{"my.neonauth.session_token": "x"}},
		{"several header lines", []string{"a=1", "neonauth.session_token=" + tok, "b=2"},
			"a=1,b=2", map[string]string{"a": "1", "b": "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := http.NewRequest("GET", "http://127.0.0.1/items", nil)
			r.Header.Set("Accept", "application/json")
			for _, v := range tt.cookie {
				r.Header.Add("Cookie", v)
			}
			before := strings.Join(r.Header.Values("Cookie"), "|")

			var headers map[string]string
			if err := json.Unmarshal(headersJSON(r.Header), &headers); err != nil {
				t.Fatal(err)
			}
			if headers["cookie"] != tt.headers || headers["accept"] != "application/json" {
				t.Errorf("request.headers = %v, want cookie %q", headers, tt.headers)
			}
			if _, ok := headers["cookie"]; ok != (tt.headers != "") {
				t.Errorf("request.headers has cookie: %v", ok)
			}
			var cookies map[string]string
			if err := json.Unmarshal(cookiesJSON(r), &cookies); err != nil {
				t.Fatal(err)
			}
			if len(cookies) != len(tt.cookies) {
				t.Errorf("request.cookies = %v, want %v", cookies, tt.cookies)
			}
			for k, v := range tt.cookies {
				if cookies[k] != v {
					t.Errorf("request.cookies = %v, want %v", cookies, tt.cookies)
				}
			}

			// The request itself keeps its cookies: the session still
			// authenticates it.
			if after := strings.Join(r.Header.Values("Cookie"), "|"); after != before {
				t.Errorf("the request's Cookie header changed: %q -> %q", before, after)
			}
		})
	}
}

func TestIsSessionCookie(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"neonauth.session_token":          true,
		"__Secure-neonauth.session_token": true,
		"neonauth.session_data":           true,
		"__Secure-neonauth.session_data":  true,
		"session_token":                   false,
		"Neonauth.session_token":          false,
		"theme":                           false,
	} {
		if got := IsSessionCookie(name); got != want {
			t.Errorf("IsSessionCookie(%q) = %v", name, got)
		}
		if want && !strings.Contains(name, sessionCookieMark) {
			t.Errorf("%q lacks the mark %q", name, sessionCookieMark)
		}
	}
}
