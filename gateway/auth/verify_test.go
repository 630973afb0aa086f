package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	box := &outbox{}
	const base = "http://api.example.test"
	e := newEnv(t, func(c *Config) {
		c.RequireEmailVerification = true
		c.Sender = box
		c.BaseURL = base
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
	if err != nil || !strings.HasPrefix(msgs[0].URL, base+"/auth/verify-email?") {
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

// TestVerificationLinksIgnoreRequestHeaders: links come from BaseURL,
// never from the Host or forwarding headers a client sends; without a
// BaseURL nothing is mailed, and requiring verification needs one.
func TestVerificationLinksIgnoreRequestHeaders(t *testing.T) {
	t.Parallel()
	const base = "https://api.example.com"
	box := &outbox{}
	e := newEnv(t, func(c *Config) {
		c.RequireEmailVerification = true
		c.Sender = box
		c.BaseURL = base
		c.AddressLimit = Limit{Max: 1000, Window: time.Minute}
	})
	forged := func(r *http.Request) {
		r.Host = "evil.example.net"
		r.Header.Set("X-Forwarded-Proto", "http")
		r.Header.Set("X-Forwarded-Host", "evil.example.net")
	}

	// Sign-up, sign-in and resend all mail links under BaseURL, without
	// a callback to the origin the forged Host names.
	body := map[string]string{"email": "hugo@example.com", "password": "long enough", "name": "Hugo",
		"callbackURL": "http://evil.example.net/welcome"}
	e.callFrom(t, "192.0.2.1", "POST", "/auth/sign-up/email", body, forged)
	e.callFrom(t, "192.0.2.1", "POST", "/auth/sign-in/email", body, forged)
	e.callFrom(t, "192.0.2.1", "POST", "/auth/send-verification-email", body, forged)
	msgs := box.all()
	if len(msgs) != 3 {
		t.Fatalf("%d mails, want 3", len(msgs))
	}
	for _, m := range msgs {
		if !strings.HasPrefix(m.URL, base+"/auth/verify-email?") || strings.Contains(m.Text, "evil") {
			t.Errorf("link %q", m.URL)
		}
	}

	// A callback on BaseURL's origin is kept.
	body["callbackURL"] = base + "/app/"
	e.callFrom(t, "192.0.2.1", "POST", "/auth/send-verification-email", body, forged)
	msgs = box.all()
	if len(msgs) != 4 || !strings.Contains(msgs[3].URL, url.QueryEscape(base+"/app/")) {
		t.Errorf("mails %+v", msgs)
	}

	// Requiring verification without a BaseURL is refused.
	_, err := New(context.Background(), Config{Store: e.store, Secret: testSecret,
		RequireEmailVerification: true})
	if err == nil || !strings.Contains(err.Error(), "BaseURL") {
		t.Errorf("New without BaseURL: %v", err)
	}
}

func TestNoVerificationMailWithoutBaseURL(t *testing.T) {
	t.Parallel()
	box := &outbox{}
	e := newEnv(t, func(c *Config) { c.Sender = box })
	e.signUp(t, e.browser(t), "ida@example.com", "long enough")

	// An unverified account and an unknown one get the same refusal, and
	// nothing is sent, whatever the Host header says.
	for _, email := range []string{"ida@example.com", "nobody@example.com"} {
		r, _ := e.callFrom(t, "192.0.2.1", "POST", "/auth/send-verification-email",
			map[string]string{"email": email}, func(r *http.Request) { r.Host = "evil.example.net" })
		if r.status != http.StatusBadRequest || r.json(t)["code"] != "VERIFICATION_EMAIL_NOT_ENABLED" {
			t.Errorf("%s: %d %s", email, r.status, r.body)
		}
	}
	if n := len(box.all()); n != 0 {
		t.Errorf("%d mails sent without a base URL", n)
	}
}

func TestLogSenderWarns(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	err := LogSender{Logger: log}.Send(context.Background(), Message{To: "a@example.com",
		Subject: "Verify", URL: "https://api.example.com/auth/verify-email?token=t"})
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("log %q: %v", buf.String(), err)
	}
	msg, _ := rec["msg"].(string)
	if rec["level"] != "WARN" || !strings.Contains(msg, "development") ||
		rec["url"] != "https://api.example.com/auth/verify-email?token=t" {
		t.Errorf("log record %v", rec)
	}
}
