package gateway

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

const ctxKeyError = "rowgate.error"

// recoverPanics turns a panic in a handler into a 500 error object, so one
// bad request never takes the process down.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic while serving request", "panic", fmt.Sprint(r),
					"stack", string(debug.Stack()))
				err = newError(http.StatusInternalServerError, "PGRSTX00", "internal server error", "")
			}
		}()
		return next(c)
	}
}

// accessLog gives every request an id (the client's X-Request-Id when it
// sent a usable one), echoes it back, counts the request in the metrics and
// writes one line per request: never the query values, a token or a body.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := s.ids.pick(req.Header.Get(echo.HeaderXRequestID))
		c.Response().Header()[echo.HeaderXRequestID] = []string{id}
		m := s.opts.Metrics
		if m != nil {
			m.inFlight.Inc()
		}

		err := next(c)
		if err != nil {
			c.Error(err)
		}
		elapsed := time.Since(start)
		status := c.Response().Status
		if m != nil {
			m.inFlight.Dec()
			m.observeRequest(req.Method, s.requestResource(c), status, elapsed)
		}

		if !s.log.Enabled(req.Context(), slog.LevelInfo) {
			return nil
		}
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", elapsed),
		}
		if role, ok := c.Get(ctxKeyRole).(string); ok {
			attrs = append(attrs, slog.String("role", role))
		}
		if ae, ok := c.Get(ctxKeyError).(*apiError); ok {
			attrs = append(attrs, slog.String("code", ae.Code))
		}
		s.log.LogAttrs(req.Context(), slog.LevelInfo, "request", attrs...)
		return nil
	}
}

// cors answers CORS as PostgREST does: any origin unless a list is
// configured, with the headers the JavaScript clients read exposed. It
// answers preflights itself, whatever route the path leads to, so the
// auth routes get them too. Credentials are allowed for the cookie flow;
// the session cookie itself is honoured only for the API's own origin and
// the configured ones, which the auth service checks.
func (s *Server) cors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		origin := req.Header.Get("Origin")
		if origin != "" && s.originAllowed(origin) {
			h := c.Response().Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers",
				"Content-Encoding, Content-Location, Content-Range, Content-Type, Date, "+
					"Location, Server, Transfer-Encoding, Range-Unit, Preference-Applied, "+
					"Retry-After, X-Retry-After, Set-Auth-Jwt, X-Request-Id")
		}
		if req.Method == http.MethodOptions && origin != "" &&
			req.Header.Get("Access-Control-Request-Method") != "" {
			return s.handleOptions(c)
		}
		return next(c)
	}
}

func (s *Server) originAllowed(origin string) bool {
	allowed := s.opts.CORSAllowedOrigins
	return len(allowed) == 0 || slices.Contains(allowed, origin)
}

// handleOptions answers preflight requests.
func (s *Server) handleOptions(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Allow", "OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE")
	if c.Request().Header.Get("Origin") != "" && c.Request().Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD")
		reqHeaders := c.Request().Header.Get("Access-Control-Request-Headers")
		if reqHeaders == "" {
			reqHeaders = "Authorization, Content-Type, Accept, Accept-Profile, Content-Profile, Prefer, Range"
		}
		h.Set("Access-Control-Allow-Headers", strings.TrimSpace(reqHeaders))
		h.Set("Access-Control-Max-Age", "86400")
	}
	return c.NoContent(http.StatusOK)
}
