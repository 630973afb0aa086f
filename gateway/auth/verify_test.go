package auth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	box := &outbox{}
	e := newEnv(t, func(c *Config) {
		c.RequireEmailVerification = true
		c.Sender = box
	})
	c := e.browser(t)

	// Sign-up answers without a session and mails a link.
	r := e.call(t, c, "POST", "/auth/sign-up/email", map[string]string{
		"email": "vera@example.com", "password": "long enough", "name": "Vera",
		"callbackURL": "/app/"})
	if r.status != http.StatusOK || r.json(t)["token"] != nil || r.header.Get("Set-Cookie") != "" {
		t.Fatalf("sign-up: %d %s %v", r.status, r.body, r.header)
	}
	msgs := box.all()
	if len(msgs) != 1 || msgs[0].To != "vera@example.com" {
		t.Fatalf("mail: %+v", msgs)
	}
	link, err := url.Parse(msgs[0].URL)
	if err != nil || !strings.HasPrefix(msgs[0].URL, e.srv.URL+"/auth/verify-email?") {
		t.Fatalf("link %q", msgs[0].URL)
	}
	token := link.Query().Get("token")

	// The token is stored hashed.
	var stored string
	if err := e.pool.QueryRow(t.Context(), `SELECT value FROM neon_auth.verification`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != digest(token) {
		t.Errorf("verification.value = %q", stored)
	}

	// The right password is refused until the address is verified, and a
	// new link goes out; a wrong one gets the usual answer.
	r = e.call(t, c, "POST", "/auth/sign-in/email",
		map[string]string{"email": "vera@example.com", "password": "long enough"})
	if r.status != http.StatusForbidden || r.json(t)["code"] != "EMAIL_NOT_VERIFIED" {
		t.Errorf("unverified sign-in: %d %s", r.status, r.body)
	}
	r = e.call(t, c, "POST", "/auth/sign-in/email",
		map[string]string{"email": "vera@example.com", "password": "wrong password"})
	if r.status != http.StatusUnauthorized {
		t.Errorf("wrong password: %d %s", r.status, r.body)
	}
	msgs = box.all()
	if len(msgs) != 2 {
		t.Fatalf("%d mails after sign-in", len(msgs))
	}

	// The first link (with its callback) was replaced by the second, and
	// sends the user back with an error.
	if link.Query().Get("callbackURL") != "/app/" {
		t.Errorf("link %s lacks the callback", link)
	}
	r = e.call(t, c, "GET", link.RequestURI(), nil)
	if r.status != http.StatusFound || r.header.Get("Location") != "/app/?error=INVALID_TOKEN" {
		t.Errorf("replaced link: %d %s %v", r.status, r.body, r.header.Get("Location"))
	}

	// The second verifies and signs in.
	second, _ := url.Parse(msgs[1].URL)
	r = e.call(t, c, "GET", second.RequestURI(), nil)
	if r.status != http.StatusOK || r.header.Get("Set-Cookie") == "" {
		t.Fatalf("verify: %d %s %v", r.status, r.body, r.header)
	}
	r = e.call(t, c, "GET", "/auth/get-session", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"emailVerified":true`) {
		t.Errorf("session after verification: %d %s", r.status, r.body)
	}

	// A link works once.
	r = e.call(t, e.browser(t), "GET", second.RequestURI(), nil)
	if r.status != http.StatusBadRequest || r.json(t)["code"] != "INVALID_TOKEN" {
		t.Errorf("reused link: %d %s", r.status, r.body)
	}

	// Signing up again with the address reveals nothing and mails nothing.
	r = e.call(t, e.browser(t), "POST", "/auth/sign-up/email", map[string]string{
		"email": "vera@example.com", "password": "another one", "name": "Mallory"})
	if r.status != http.StatusOK || r.json(t)["token"] != nil {
		t.Errorf("duplicate sign-up: %d %s", r.status, r.body)
	}
	if n := len(box.all()); n != 2 {
		t.Errorf("%d mails after a duplicate sign-up", n)
	}

	// A foreign callback is dropped from links.
	r = e.call(t, e.browser(t), "POST", "/auth/send-verification-email",
		map[string]string{"email": "VERA@example.com", "callbackURL": "https://evil.example.net/"})
	if r.status != 200 || len(box.all()) != 2 {
		t.Errorf("resend to a verified address: %d %s, %d mails", r.status, r.body, len(box.all()))
	}
	e.call(t, e.browser(t), "POST", "/auth/sign-up/email", map[string]string{
		"email": "walt@example.com", "password": "long enough", "name": "Walt",
		"callbackURL": "https://evil.example.net/"})
	msgs = box.all()
	if last := msgs[len(msgs)-1]; last.To != "walt@example.com" || strings.Contains(last.URL, "evil") {
		t.Errorf("mail %+v", last)
	}
}
