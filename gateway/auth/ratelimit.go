package auth

import (
	"sync"
	"time"
)

// Limit allows Max events per Window for one key. A zero Max turns the
// limit off.
type Limit struct {
	Max    int
	Window time.Duration
}

// Default limits: requests to the credential routes per client address,
// and failed sign-ins per account.
var (
	DefaultAddressLimit = Limit{Max: 30, Window: time.Minute}
	DefaultAccountLimit = Limit{Max: 5, Window: 15 * time.Minute}
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
