package auth

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestSignInFailuresIndistinguishable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) {
		c.AddressLimit = Limit{Max: 1000, Window: time.Minute}
		c.AccountLimit = Limit{Max: 1000, Window: time.Minute}
	})
	e.signUp(t, e.browser(t), "known@example.com", "the right one")

	// Same status, same bytes, no cookie, for both kinds of failure.
	attempt := func(email string) (reply, time.Duration) {
		start := time.Now()
		r := e.call(t, e.browser(t), "POST", "/auth/sign-in/email",
			map[string]string{"email": email, "password": "a wrong one"})
		return r, time.Since(start)
	}
	unknown, _ := attempt("nobody@example.com")
	wrong, _ := attempt("known@example.com")
	if unknown.status != http.StatusUnauthorized || wrong.status != unknown.status ||
		!bytes.Equal(unknown.body, wrong.body) {
		t.Fatalf("unknown email: %d %s; wrong password: %d %s",
			unknown.status, unknown.body, wrong.status, wrong.body)
	}
	if unknown.json(t)["code"] != "INVALID_EMAIL_OR_PASSWORD" {
		t.Errorf("code = %v", unknown.json(t)["code"])
	}
	for _, r := range []reply{unknown, wrong} {
		if r.header.Get("Set-Cookie") != "" {
			t.Errorf("failed sign-in set a cookie: %s", r.header.Get("Set-Cookie"))
		}
	}

	// Both do the password hash: their median times are alike.
	var tu, tw []time.Duration
	for range 5 {
		_, d := attempt("nobody@example.com")
		tu = append(tu, d)
		_, d = attempt("known@example.com")
		tw = append(tw, d)
	}
	slices.Sort(tu)
	slices.Sort(tw)
	mu, mw := tu[2], tw[2]
	if mu < mw/3 || mw < mu/3 {
		t.Errorf("median time unknown email %v, wrong password %v", mu, mw)
	}
}

func TestSignInRateLimits(t *testing.T) {
	t.Parallel()
	clk := newClock()
	e := newEnv(t, func(c *Config) {
		c.AccountLimit = Limit{Max: 3, Window: time.Minute}
		c.AddressLimit = Limit{Max: 12, Window: time.Minute}
		c.Now = clk.Now
	})
	c := e.browser(t)
	e.signUp(t, c, "victim@example.com", "right password") // address: 1
	e.signUp(t, c, "other@example.com", "right password")  // address: 2
	signIn := func(email, pw string) reply {
		return e.call(t, e.browser(t), "POST", "/auth/sign-in/email",
			map[string]string{"email": email, "password": pw})
	}

	// Three failures lock the account from this address, even for the
	// right password.
	for i := range 3 {
		if r := signIn("victim@example.com", "wrong"); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := signIn("victim@example.com", "right password")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("locked account: %d %s", r.status, r.body)
	}
	if s, err := strconv.Atoi(r.header.Get("X-Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("X-Retry-After = %q", r.header.Get("X-Retry-After"))
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}

	// Unknown emails are limited the same way (no hint that they are
	// unknown).
	for range 3 {
		signIn("ghost@example.com", "wrong")
	}
	if r := signIn("ghost@example.com", "wrong"); r.status != http.StatusTooManyRequests {
		t.Errorf("unknown account not limited: %d", r.status)
	}

	// Another account is not affected; after the window the victim may try again.
	if r := signIn("other@example.com", "right password"); r.status != http.StatusOK {
		t.Errorf("other account: %d %s", r.status, r.body)
	}
	clk.Add(61 * time.Second)
	if r := signIn("victim@example.com", "right password"); r.status != http.StatusOK {
		t.Errorf("after the window: %d %s", r.status, r.body)
	}

	// The client address is limited across accounts: 12 per window, of
	// which the sign-in above used one.
	var last reply
	for i := range 12 {
		last = signIn("other@example.com", "right password")
		if i < 11 && last.status != http.StatusOK {
			t.Fatalf("request %d in window: %d %s", i+1, last.status, last.body)
		}
	}
	if last.status != http.StatusTooManyRequests {
		t.Errorf("13th request from one address: %d %s", last.status, last.body)
	}
}

// TestSignInLockoutIsPerAddress: failures sent from one address lock the
// account for that address only; the owner, elsewhere, signs in after at
// most a bounded delay. Unknown emails behave the same.
func TestSignInLockoutIsPerAddress(t *testing.T) {
	t.Parallel()
	const step, most = 20 * time.Millisecond, 60 * time.Millisecond
	e := newEnv(t, func(c *Config) {
		c.AddressLimit = Limit{Max: 1000, Window: time.Minute}
		c.AccountLimit = Limit{Max: 5, Window: 15 * time.Minute}
		c.AccountSlowdown = Slowdown{After: 3, Window: 15 * time.Minute, Step: step, Max: most}
	})
	e.signUp(t, e.browser(t), "alice@example.com", "alice's password")
	const attacker, owner, other = "203.0.113.7", "198.51.100.2", "192.0.2.9"
	signIn := func(addr, email, pw string) (reply, time.Duration) {
		return e.callFrom(t, addr, "POST", "/auth/sign-in/email",
			map[string]string{"email": email, "password": pw})
	}

	for _, email := range []string{"alice@example.com", "ghost@example.com"} {
		// The attacker's address gets five tries, then is refused, even
		// with the right password.
		for i := range 12 {
			r, _ := signIn(attacker, email, "guess "+strconv.Itoa(i))
			want := http.StatusUnauthorized
			if i >= 5 {
				want = http.StatusTooManyRequests
			}
			if r.status != want {
				t.Fatalf("%s: attempt %d from the attacker: %d %s", email, i+1, r.status, r.body)
			}
		}
		if r, _ := signIn(attacker, email, "alice's password"); r.status != http.StatusTooManyRequests {
			t.Errorf("%s: the attacker's address is not limited: %d %s", email, r.status, r.body)
		}

		// Elsewhere a wrong password is only a wrong password.
		r, took := signIn(other, email, "wrong")
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s: a wrong password from another address: %d %s", email, r.status, r.body)
		}
		if took < most {
			t.Errorf("%s: no slowdown after many failures (%v)", email, took)
		}
	}

	// The owner signs in from her own address, slowed down but not locked
	// out.
	r, took := signIn(owner, "alice@example.com", "alice's password")
	if r.status != http.StatusOK {
		t.Fatalf("the owner is locked out: %d %s", r.status, r.body)
	}
	if took < most {
		t.Errorf("the owner's sign-in took %v, want the slowdown of %v", took, most)
	}
}

func TestSlowdownDelay(t *testing.T) {
	t.Parallel()
	clk := newClock()
	base := Slowdown{After: 3, Window: time.Minute, Step: time.Second, Max: 5 * time.Second}
	noStep := Slowdown{After: 1, Window: time.Minute, Max: time.Second}
	off := Slowdown{Window: time.Minute, Step: time.Second, Max: -1}
	tests := []struct {
		name  string
		cfg   Slowdown
		fails int
		want  time.Duration
	}{
		{"below the threshold", base, 3, 0},
		{"one past", base, 4, time.Second},
		{"grows by step", base, 6, 3 * time.Second},
		{"bounded", base, 1000, 5 * time.Second},
		{"no step means the most at once", noStep, 2, time.Second},
		{"off", off, 50, 0},
	}
	for _, tt := range tests {
		d := newSlowdown(tt.cfg, clk.Now)
		for range tt.fails {
			d.fail("k")
		}
		if got := d.delay("k"); got != tt.want {
			t.Errorf("%s: delay %v, want %v", tt.name, got, tt.want)
		}
		if got := d.delay("other"); got != 0 {
			t.Errorf("%s: another key waits %v", tt.name, got)
		}
	}

	// The window ends, and with it the delay.
	one := Slowdown{After: 1, Window: time.Minute, Step: time.Second, Max: time.Second}
	d := newSlowdown(one, clk.Now)
	d.fail("k")
	d.fail("k")
	clk.Add(time.Minute)
	if got := d.delay("k"); got != 0 {
		t.Errorf("after the window: %v", got)
	}
}
