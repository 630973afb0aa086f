package gateway

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/rls"
)

// handleRPC serves /rpc/:fn for GET, HEAD and POST: it calls a function of
// the exposed schema under the caller's identity, in one transaction that
// is read only for GET and HEAD and for STABLE or IMMUTABLE functions.
func (s *Server) handleRPC(c echo.Context) error {
	req := c.Request()
	tm := s.startTiming(c)

	k, err := s.readCall(c, tm)
	if err != nil {
		return err
	}
	name, err := url.PathUnescape(c.Param("fn"))
	if err != nil {
		return newError(http.StatusBadRequest, "PGRST100", "Invalid path", err.Error())
	}

	// Build the call and run it.
	tm.mark(phaseParse)
	plan, err := querybuilder.BuildRPC(k.cat, s.request(k, name))
	if err != nil {
		return err
	}
	tm.mark(phasePlan)
	res, txApplied, err := s.run(k, tm, plan.SQL, plan.Args, plan.ReadOnly)
	if err != nil {
		return err
	}

	out := rpcResponse{
		method:    req.Method,
		media:     k.media,
		prefer:    k.prefer,
		plan:      plan,
		result:    res,
		profile:   k.schema,
		profiled:  k.profiled,
		txApplied: txApplied,
	}
	return out.write(c)
}

// rpcMethodNotAllowed answers the methods /rpc/:fn does not take.
func (s *Server) rpcMethodNotAllowed(c echo.Context) error {
	return newError(http.StatusMethodNotAllowed, "PGRST101",
		"Cannot use the "+c.Request().Method+" method on RPC", "")
}

// rpcResponse turns a call's result row into status, headers and body.
type rpcResponse struct {
	method    string
	media     mediaChoice
	prefer    querybuilder.Prefer
	plan      *querybuilder.RPCPlan
	result    *rls.Result
	profile   string
	profiled  bool
	txApplied bool
}

func (r *rpcResponse) write(c echo.Context) error {
	res := r.result
	h := c.Response().Header()

	if r.plan.Set() && r.media.media == querybuilder.MediaObject && res.PageTotal != 1 {
		return newError(http.StatusNotAcceptable, "PGRST116",
			"Cannot coerce the result to a single JSON object",
			fmt.Sprintf("The result contains %d rows", res.PageTotal))
	}

	// Status and Content-Range: a set pages like a table read; a single
	// value is one row; void has no content.
	status := http.StatusOK
	total := "*"
	if res.Total >= 0 {
		total = strconv.FormatInt(res.Total, 10)
	}
	switch {
	case r.plan.Void():
		status = http.StatusNoContent
	case r.plan.Set():
		lower := r.plan.Offset
		upper := lower + res.PageTotal - 1
		h.Set("Content-Range", contentRange(lower, upper, res.Total, total))
		if res.Total >= 0 && lower > res.Total {
			return newError(http.StatusRequestedRangeNotSatisfiable, "PGRST103",
				"Requested range not satisfiable",
				fmt.Sprintf("An offset of %d was requested, but there are only %d rows.", lower, res.Total))
		}
		if res.Total >= 0 && 1+upper-lower < res.Total {
			status = http.StatusPartialContent
		}
	default:
		h.Set("Content-Range", "0-0/"+total)
	}
	if err := applyResponseGUCs(h, res, &status); err != nil {
		return err
	}
	if r.profiled {
		h.Set("Content-Profile", r.profile)
	}
	if applied := r.applied(); applied != "" {
		h.Set("Preference-Applied", applied)
	}

	if r.plan.Void() || status == http.StatusNoContent {
		return c.NoContent(status)
	}
	if r.method == http.MethodHead {
		h.Set(echo.HeaderContentType, r.media.contentType)
		return c.NoContent(status)
	}
	body := res.Body
	if body == nil {
		body = []byte("null")
	}
	return c.Blob(status, r.media.contentType, body)
}

// applied lists the preferences that were honoured, for Preference-Applied.
func (r *rpcResponse) applied() string {
	p := r.prefer
	var out []string
	if p.Params != "" {
		out = append(out, "params="+p.Params)
	}
	if p.Count != "" && r.plan.Set() {
		out = append(out, "count="+p.Count)
	}
	if p.Timezone != "" {
		out = append(out, "timezone="+p.Timezone)
	}
	if r.txApplied {
		out = append(out, "tx="+p.Tx)
	}
	if p.Handling != "" {
		out = append(out, "handling="+p.Handling)
	}
	if p.MaxAffected >= 0 && p.Handling == "strict" {
		out = append(out, "max-affected="+strconv.FormatInt(p.MaxAffected, 10))
	}
	return strings.Join(out, ", ")
}
