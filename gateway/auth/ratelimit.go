package auth

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limit allows Max events per Window for one key. A zero Max turns the
// limit off.
type Limit struct {
	Max    int
	Window time.Duration
}

// Slowdown delays the sign-in attempts on one account once it has failed
// more than After times within Window, counting every client address
// together: each failure past After adds Step to the delay, up to Max. It
// never refuses an attempt, so failures sent by others cannot lock the
// owner out; they cost the owner at most Max per sign-in. A negative Max
// turns it off.
type Slowdown struct {
	After  int
	Window time.Duration
	Step   time.Duration
	Max    time.Duration
}

// Default limits: requests to the credential routes per client address,
// failed sign-ins per account from one client address, and the delay for
// an account that fails from many addresses.
var (
	DefaultAddressLimit    = Limit{Max: 30, Window: time.Minute}
	DefaultAccountLimit    = Limit{Max: 5, Window: 15 * time.Minute}
	DefaultAccountSlowdown = Slowdown{After: 10, Window: 15 * time.Minute,
		Step: 250 * time.Millisecond, Max: 2 * time.Second}
)

// sweepAt is the number of keys past which expired windows are dropped.
const sweepAt = 10_000

// limiter counts events per key in fixed windows. The counts live in this
// process: with several rowgate instances each enforces its own limit.
type limiter struct {
	lim Limit
	now func() time.Time

	mu      sync.Mutex // guards windows
	windows map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(lim Limit, now func() time.Time) *limiter {
	return &limiter{lim: lim, now: now, windows: map[string]*window{}}
}

// take counts one event for key and reports how long to wait when the
// limit is exceeded (0 when the event is allowed).
func (l *limiter) take(key string) time.Duration {
	if l.lim.Max <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.current(key)
	w.n++
	if w.n > l.lim.Max {
		return l.wait(w)
	}
	return 0
}

// blocked reports how long key must wait, without counting an event.
func (l *limiter) blocked(key string) time.Duration {
	if l.lim.Max <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.current(key)
	if w.n >= l.lim.Max {
		return l.wait(w)
	}
	return 0
}

// count returns the events of key in its current window.
func (l *limiter) count(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	if !ok || l.now().Sub(w.start) >= l.lim.Window {
		return 0
	}
	return w.n
}

// reset forgets key's events.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.windows, key)
}

// current returns key's window, starting a new one when the old ended.
func (l *limiter) current(key string) *window {
	now := l.now()
	w, ok := l.windows[key]
	if ok && now.Sub(w.start) < l.lim.Window {
		return w
	}
	if len(l.windows) >= sweepAt {
		for k, old := range l.windows {
			if now.Sub(old.start) >= l.lim.Window {
				delete(l.windows, k)
			}
		}
	}
	w = &window{start: now}
	l.windows[key] = w
	return w
}

func (l *limiter) wait(w *window) time.Duration {
	return max(time.Second, w.start.Add(l.lim.Window).Sub(l.now()))
}

// slowdown applies a [Slowdown] per account.
type slowdown struct {
	cfg   Slowdown
	fails *limiter
}

func newSlowdown(cfg Slowdown, now func() time.Time) *slowdown {
	return &slowdown{cfg: cfg, fails: newLimiter(Limit{Max: math.MaxInt, Window: cfg.Window}, now)}
}

// delay is how long the next attempt on key waits.
func (d *slowdown) delay(key string) time.Duration {
	if d.cfg.Max < 0 {
		return 0
	}
	over := d.fails.count(key) - d.cfg.After
	if over <= 0 {
		return 0
	}
	if d.cfg.Step <= 0 || over > int(d.cfg.Max/d.cfg.Step) {
		return d.cfg.Max
	}
	return time.Duration(over) * d.cfg.Step
}

// wait sleeps for key's delay, or until ctx ends.
func (d *slowdown) wait(ctx context.Context, key string) error {
	delay := d.delay(key)
	if delay <= 0 {
		return nil
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fail counts a failed attempt on key.
func (d *slowdown) fail(key string) {
	if d.cfg.Max >= 0 {
		d.fails.take(key)
	}
}
