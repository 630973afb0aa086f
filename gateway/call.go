package gateway

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/querybuilder/catalog"
	"github.com/rowgate/rowgate/rls"
)

// call is what a table or RPC request carries once its headers and body
// are read: who asks, in which schema, for which representation.
type call struct {
	req      *http.Request
	id       *jwks.Identity
	cat      *catalog.Catalog
	schema   string
	profiled bool
	media    mediaChoice
	prefer   querybuilder.Prefer
	body     []byte
	// offset and limit come from a Range header; limit is -1 when open.
	offset, limit int64
}

// readCall resolves the identity (a bad token stops here, before any
// database work), then the schema, media type, range, preferences and
// body of a data request.
func (s *Server) readCall(c echo.Context, tm *timing) (*call, error) {
	req := c.Request()
	id, err := s.identify(req)
	tm.mark(phaseJWT)
	if err != nil {
		return nil, err
	}
	c.Set(ctxKeyRole, id.Role)

	k := &call{req: req, id: id, cat: s.opts.Catalog()}
	if k.schema, k.profiled, err = pickSchema(k.cat, req); err != nil {
		return nil, err
	}
	if k.media, err = negotiate(req.Header.Get("Accept")); err != nil {
		return nil, err
	}
	if k.offset, k.limit, err = parseRange(req); err != nil {
		return nil, err
	}
	k.prefer = querybuilder.ParsePrefer(req.Header.Values("Prefer"))
	if tz := k.prefer.Timezone; tz != "" && !k.cat.Timezones[tz] {
		// A time zone the server does not know is not applied, as in
		// PostgREST; with handling=strict it is refused.
		k.prefer.Timezone = ""
		k.prefer.Invalid = append(k.prefer.Invalid, "timezone="+tz)
	}
	if err := k.prefer.StrictError(); err != nil {
		return nil, err
	}
	if k.body, err = s.readBody(req); err != nil {
		return nil, err
	}
	return k, nil
}

// request is the query builder's view of the call on resource.
func (s *Server) request(k *call, resource string) *querybuilder.Request {
	return &querybuilder.Request{
		Method:            k.req.Method,
		Schema:            k.schema,
		Resource:          resource,
		RawQuery:          k.req.URL.RawQuery,
		Prefer:            k.prefer,
		ContentType:       contentType(k.req),
		Body:              k.body,
		Media:             k.media.media,
		StripNulls:        k.media.stripNulls,
		RangeOffset:       k.offset,
		RangeLimit:        k.limit,
		MaxRows:           s.opts.MaxRows,
		AggregatesEnabled: s.opts.AggregatesEnabled,
	}
}

// env is the transaction environment of the call; txApplied says whether
// a Prefer: tx was honoured.
func (s *Server) env(k *call, readOnly bool) (env *rls.Env, txApplied bool) {
	rollback, txApplied := s.txEnd(k.prefer)
	return &rls.Env{
		Role:       k.id.Role,
		Anonymous:  k.id.Anonymous,
		Claims:     k.id.Claims,
		Method:     k.req.Method,
		Path:       k.req.URL.Path,
		Headers:    headersJSON(k.req.Header),
		Cookies:    cookiesJSON(k.req),
		SearchPath: append([]string{k.schema}, s.opts.ExtraSearchPath...),
		Timezone:   k.prefer.Timezone,
		ReadOnly:   readOnly,
		Rollback:   rollback,
	}, txApplied
}

// run executes the call's statement in one transaction under its
// identity; txApplied says whether a Prefer: tx was honoured.
func (s *Server) run(k *call, tm *timing, sql string, args []any, readOnly bool) (
	res *rls.Result, txApplied bool, err error,
) {
	env, txApplied := s.env(k, readOnly)
	res, err = s.opts.DB.Run(k.req.Context(), env, sql, args)
	tm.mark(phaseTransaction)
	return res, txApplied, err
}
