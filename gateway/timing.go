package gateway

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// phase is one step of a request named in the Server-Timing header.
type phase uint8

// The phases, with PostgREST's names: jwt (identify the caller), parse
// (read the URL, headers and body), plan (build the SQL), transaction (run
// it) and response (turn the result into status, headers and body).
const (
	phaseJWT phase = iota
	phaseParse
	phasePlan
	phaseTransaction
	phaseResponse
	numPhases
)

var phaseNames = [numPhases]string{"jwt", "parse", "plan", "transaction", "response"}

// timing measures a request's phases for the Server-Timing header. A nil
// *timing records nothing, so a handler calls mark unconditionally and
// pays one comparison per phase when the header is off.
type timing struct {
	last time.Time
	dur  [numPhases]time.Duration
	// seen has bit p set once phase p was measured.
	seen uint8
}

// startTiming returns a timing that writes Server-Timing just before the
// response header is sent, or nil when server-timing-enabled is off.
func (s *Server) startTiming(c echo.Context) *timing {
	if !s.opts.ServerTiming {
		return nil
	}
	t := &timing{last: time.Now()}
	resp := c.Response()
	resp.Before(func() {
		// Whatever ran since the last mark was building the response, or
		// the error object when a phase failed.
		t.mark(phaseResponse)
		resp.Header().Set("Server-Timing", t.header())
	})
	return t
}

// mark ends phase p: it lasted since the previous mark.
func (t *timing) mark(p phase) {
	if t == nil {
		return
	}
	now := time.Now()
	t.dur[p] += now.Sub(t.last)
	t.seen |= 1 << p
	t.last = now
}

// header renders the measured phases as "jwt;dur=0.042, parse;dur=0.010",
// in milliseconds.
func (t *timing) header() string {
	buf := make([]byte, 0, 128)
	for p := range numPhases {
		if t.seen&(1<<p) == 0 {
			continue
		}
		if len(buf) > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, phaseNames[p]...)
		buf = append(buf, ";dur="...)
		ms := float64(t.dur[p].Microseconds()) / 1000
		buf = strconv.AppendFloat(buf, ms, 'f', 3, 64)
	}
	return string(buf)
}
