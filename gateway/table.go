package gateway

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/rls"
)

const ctxKeyRole = "rowgate.role"

// handleTable serves /:resource for every table verb.
func (s *Server) handleTable(c echo.Context) error {
	req := c.Request()
	ctx := req.Context()
	tm := s.startTiming(c)

	// Who is asking: a bad token stops here, before any database work.
	id, err := s.identify(req)
	tm.mark(phaseJWT)
	if err != nil {
		return err
	}
	c.Set(ctxKeyRole, id.Role)

	// What they ask for: schema, media type, range, preferences, body.
	cat := s.opts.Catalog()
	schema, profiled, err := pickSchema(cat, req)
	if err != nil {
		return err
	}
	media, err := negotiate(req.Header.Get("Accept"))
	if err != nil {
		return err
	}
	offset, limit, err := parseRange(req)
	if err != nil {
		return err
	}
	prefer := querybuilder.ParsePrefer(req.Header.Values("Prefer"))
	if prefer.Handling == "strict" && len(prefer.Invalid) > 0 {
		return newError(http.StatusBadRequest, "PGRST122",
			"Invalid preferences given with handling=strict",
			"Invalid preferences: "+strings.Join(prefer.Invalid, ", "))
	}
	body, err := s.readBody(req)
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
	plan, err := querybuilder.Build(cat, &querybuilder.Request{
		Method:      req.Method,
		Schema:      schema,
		Resource:    resource,
		RawQuery:    req.URL.RawQuery,
		Prefer:      prefer,
		ContentType: contentType(req),
		Body:        body,
		Media:       media.media,
		StripNulls:  media.stripNulls,
		RangeOffset: offset,
		RangeLimit:  limit,
		MaxRows:     s.opts.MaxRows,

		AggregatesEnabled: s.opts.AggregatesEnabled,
	})
	if err != nil {
		return err
	}
	tm.mark(phasePlan)
	rollback, txApplied := s.txEnd(prefer)
	env := &rls.Env{
		Role:       id.Role,
		Anonymous:  id.Anonymous,
		Claims:     id.Claims,
		Method:     req.Method,
		Path:       req.URL.Path,
		Headers:    headersJSON(req.Header),
		Cookies:    cookiesJSON(req),
		SearchPath: append([]string{schema}, s.opts.ExtraSearchPath...),
		ReadOnly:   plan.ReadOnly,
		Rollback:   rollback,
	}
	res, err := s.opts.DB.Run(ctx, env, plan.SQL, plan.Args)
	tm.mark(phaseTransaction)
	if err != nil {
		return err
	}

	out := response{
		method:    req.Method,
		media:     media,
		prefer:    prefer,
		plan:      plan,
		result:    res,
		profile:   schema,
		profiled:  profiled,
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
