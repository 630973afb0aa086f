package main

import "testing"

func TestDemoAuthBaseURL(t *testing.T) {
	t.Parallel()
	for port, want := range map[int]string{3000: "http://localhost:3000", 0: ""} {
		if got := demoAuthBaseURL(port); got != want {
			t.Errorf("demoAuthBaseURL(%d) = %q, want %q", port, got, want)
		}
		c := defaultConfig()
		c.AuthEnabled, c.AuthSecret = true, "0123456789abcdef0123456789abcdef"
		c.AuthRequireEmailVerification = true
		c.AuthBaseURL = demoAuthBaseURL(port)
		if err := c.validate(); (err == nil) != (want != "") {
			t.Errorf("port %d: validate = %v", port, err)
		}
	}
}
