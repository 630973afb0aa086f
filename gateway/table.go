package gateway

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/querybuilder"
)

const ctxKeyRole = "rowgate.role"

// handleTable serves /:resource for every table verb.
func (s *Server) handleTable(c echo.Context) error {
	req := c.Request()
	tm := s.startTiming(c)

	k, err := s.readCall(c, tm)
	if err != nil {
		return err
	}
	raw := c.Param("resource")
	if strings.Contains(raw, "/") {
		return newError(http.StatusNotFound, "PGRST125", "Invalid path specified in request URL", "")
	}
	resource, err := url.PathUnescape(raw)
	if err != nil {
		return newError(http.StatusBadRequest, "PGRST100", "Invalid path", err.Error())
	}

	// Build the one statement and run it under the caller's identity.
	tm.mark(phaseParse)
	plan, err := s.plans.Build(k.cat, s.request(k, resource))
	if err != nil {
		return err
	}
	tm.mark(phasePlan)
	res, txApplied, err := s.run(k, tm, plan.SQL, plan.Args, plan.ReadOnly)
	if err != nil {
		return err
	}

	out := response{
		method:    req.Method,
		media:     k.media,
		prefer:    k.prefer,
		plan:      plan,
		result:    res,
		profile:   k.schema,
		profiled:  k.profiled,
		txApplied: txApplied,
		resource:  resource,
		path:      req.URL.Path,
	}
	return out.write(c)
}

// readBody reads the request body up to the configured limit.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead ||
		r.Method == http.MethodDelete {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.BodyLimit+1))
	if err != nil {
		return nil, newError(http.StatusBadRequest, "PGRST102", "Could not read the request body", "")
	}
	if int64(len(body)) > s.opts.BodyLimit {
		return nil, newError(http.StatusRequestEntityTooLarge, "PGRST102",
			"Request body is larger than the configured limit", "")
	}
	return body, nil
}

// txEnd decides commit or rollback from db-tx-end and Prefer: tx, and
// whether the preference was honoured.
func (s *Server) txEnd(p querybuilder.Prefer) (rollback, applied bool) {
	switch s.opts.TxEnd {
	case "rollback":
		return true, false
	case "commit-allow-override", "rollback-allow-override":
		if p.Tx != "" {
			return p.Tx == "rollback", true
		}
		return s.opts.TxEnd == "rollback-allow-override", false
	}
	return false, false
}

func contentType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// headersJSON renders the request headers as request.headers expects: an
// object with lower-case names; repeated headers are joined with commas.
func headersJSON(h http.Header) []byte {
	return headerObject(redactHeader(h))
}

// cookiesJSON renders the request cookies as request.cookies expects.
func cookiesJSON(r *http.Request) []byte {
	if r.Header.Get("Cookie") == "" {
		return []byte("{}")
	}
	return cookieObject(redactCookies(r.Cookies()))
}
