package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/rls"
)

// response turns a statement's result row into status, headers and body.
type response struct {
	method    string
	media     mediaChoice
	prefer    querybuilder.Prefer
	plan      *querybuilder.Plan
	result    *rls.Result
	profile   string
	profiled  bool
	txApplied bool
	resource  string
	path      string
}

func (r *response) write(c echo.Context) error {
	res := r.result
	h := c.Response().Header()

	if r.media.media == querybuilder.MediaObject && res.PageTotal != 1 {
		return newError(http.StatusNotAcceptable, "PGRST116",
			"Cannot coerce the result to a single JSON object",
			fmt.Sprintf("The result contains %d rows", res.PageTotal))
	}

	status, err := r.status(h)
	if err != nil {
		return err
	}
	if err := applyResponseGUCs(h, res, &status); err != nil {
		return err
	}
	if r.profiled {
		h.Set("Content-Profile", r.profile)
	}
	if r.plan.Location {
		if loc := location(r.path, res.Body); loc != "" {
			h.Set("Location", loc)
		}
		res.Body = nil
	}
	if applied := r.applied(); applied != "" {
		h.Set("Preference-Applied", applied)
	}

	if res.Body == nil || r.method == http.MethodHead || status == http.StatusNoContent {
		if r.method == http.MethodHead {
			// HEAD describes the body a GET would send.
			h.Set(echo.HeaderContentType, r.media.contentType)
		}
		return c.NoContent(status)
	}
	return c.Blob(status, r.media.contentType, res.Body)
}

// status computes the HTTP status and sets Content-Range.
func (r *response) status(h http.Header) (int, error) {
	res := r.result
	total := "*"
	if res.Total >= 0 {
		total = strconv.FormatInt(res.Total, 10)
	}

	switch r.method {
	case http.MethodGet, http.MethodHead:
		lower := r.plan.Offset
		upper := lower + res.PageTotal - 1
		h.Set("Content-Range", contentRange(lower, upper, res.Total, total))
		if res.Total >= 0 {
			if lower > res.Total {
				return 0, newError(http.StatusRequestedRangeNotSatisfiable, "PGRST103",
					"Requested range not satisfiable",
					fmt.Sprintf("An offset of %d was requested, but there are only %d rows.", lower, res.Total))
			}
			if 1+upper-lower < res.Total {
				return http.StatusPartialContent, nil
			}
		}
		return http.StatusOK, nil

	case http.MethodPost:
		h.Set("Content-Range", "*/"+total)
		return http.StatusCreated, nil

	case http.MethodPatch, http.MethodDelete, http.MethodPut:
		h.Set("Content-Range", contentRange(0, res.PageTotal-1, res.Total, total))
		if r.prefer.Return == "representation" {
			return http.StatusOK, nil
		}
		return http.StatusNoContent, nil
	}
	return http.StatusOK, nil
}

// location builds the Location header of a headers-only insert from the
// primary-key objects the statement returned: /table?id=eq.34.
func location(path string, keys []byte) string {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(keys, &rows); err != nil || len(rows) == 0 {
		return ""
	}
	names := make([]string, 0, len(rows[0]))
	for k := range rows[0] {
		names = append(names, k)
	}
	sort.Strings(names)
	q := make([]string, len(names))
	for i, k := range names {
		v := string(rows[0][k])
		var s string
		if json.Unmarshal(rows[0][k], &s) == nil {
			v = s
		}
		q[i] = url.QueryEscape(k) + "=eq." + url.QueryEscape(v)
	}
	return path + "?" + strings.Join(q, "&")
}

// contentRange formats "lower-upper/total", or "*/total" for an empty page.
func contentRange(lower, upper, count int64, total string) string {
	if count != 0 && lower <= upper {
		b := make([]byte, 0, 24+len(total))
		b = strconv.AppendInt(b, lower, 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, upper, 10)
		b = append(b, '/')
		return string(append(b, total...))
	}
	return "*/" + total
}

// applied lists the preferences that were honoured, for Preference-Applied.
func (r *response) applied() string {
	p := r.prefer
	var out []string
	if p.Resolution != "" && r.method == http.MethodPost {
		out = append(out, "resolution="+p.Resolution)
	}
	if p.Missing != "" && r.method != http.MethodGet && r.method != http.MethodHead {
		out = append(out, "missing="+p.Missing)
	}
	if p.Return != "" && r.method != http.MethodGet && r.method != http.MethodHead {
		out = append(out, "return="+p.Return)
	}
	if p.Count != "" {
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
	if p.MaxAffected >= 0 && p.Handling == "strict" &&
		(r.method == http.MethodPatch || r.method == http.MethodDelete) {
		out = append(out, "max-affected="+strconv.FormatInt(p.MaxAffected, 10))
	}
	return strings.Join(out, ", ")
}

// applyResponseGUCs applies response.headers and response.status set by SQL
// during the transaction, as PostgREST does.
func applyResponseGUCs(h http.Header, res *rls.Result, status *int) error {
	if res.Headers != "" {
		var list []map[string]string
		if err := json.Unmarshal([]byte(res.Headers), &list); err != nil {
			return newError(http.StatusInternalServerError, "PGRST111",
				"Response headers must be a JSON array of single-key objects", "")
		}
		for _, kv := range list {
			for k, v := range kv {
				h.Add(k, v)
			}
		}
	}
	if res.Status != "" {
		n, err := strconv.Atoi(res.Status)
		if err != nil || n < 100 || n > 599 {
			return newError(http.StatusInternalServerError, "PGRST112",
				"Invalid response status code: "+res.Status, "")
		}
		*status = n
	}
	return nil
}
