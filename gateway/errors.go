package gateway

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/rls"
)

// apiError is the one error type the HTTP edge writes: PostgREST's error
// object plus the status and headers that go with it. The cause is kept for
// logs and never reaches the client.
type apiError struct {
	Status  int
	Code    string
	Message string
	Details string
	Hint    string
	// Header holds extra response headers, such as WWW-Authenticate.
	Header http.Header
	cause  error
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func (e *apiError) Unwrap() error { return e.cause }

// MarshalJSON writes the error object with null for empty details and hint,
// as PostgREST does.
func (e *apiError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Code    string  `json:"code"`
		Details *string `json:"details"`
		Hint    *string `json:"hint"`
		Message string  `json:"message"`
	}{e.Code, nullable(e.Details), nullable(e.Hint), e.Message})
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newError(status int, code, message, details string) *apiError {
	return &apiError{Status: status, Code: code, Message: message, Details: details}
}

// toAPIError translates any error from the layers below into an apiError.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}

	var je *jwks.Error
	if errors.As(err, &je) {
		out := &apiError{Status: je.Status, Code: je.Code, Message: je.Message,
			Details: je.Details, Hint: je.Hint, cause: err}
		if h := je.WWWAuthenticate(); h != "" {
			out.Header = http.Header{"WWW-Authenticate": {h}}
		} else if je.Status == http.StatusServiceUnavailable {
			out.Header = http.Header{"Retry-After": {"5"}} // keys are refetched with backoff
		}
		return out
	}

	var qe *querybuilder.Error
	if errors.As(err, &qe) {
		return &apiError{Status: qe.Status, Code: qe.Code, Message: qe.Message,
			Details: qe.Details, Hint: qe.Hint, cause: err}
	}

	var re *rls.Error
	if errors.As(err, &re) {
		if ae := guardError(re); ae != nil {
			return ae
		}
		out := &apiError{Status: re.Status, Code: re.Code, Message: re.Message,
			Details: re.Details, Hint: re.Hint, cause: err}
		if re.Status == http.StatusUnauthorized {
			out.Header = http.Header{"WWW-Authenticate": {"Bearer"}}
		}
		// Headers a RAISE SQLSTATE 'PGRST' detail asked for.
		for k, v := range re.Headers {
			if out.Header == nil {
				out.Header = http.Header{}
			}
			out.Header.Set(k, v)
		}
		return out
	}

	var he *echo.HTTPError
	if errors.As(err, &he) {
		return httpError(he)
	}

	return &apiError{Status: http.StatusInternalServerError, Code: "PGRSTX00",
		Message: "internal server error", cause: err}
}

// guardError recognises the errors a statement raises on purpose to roll
// itself back (see querybuilder.MaxAffectedMarker), or returns nil.
func guardError(re *rls.Error) *apiError {
	if re.Code != "22P02" {
		return nil
	}
	count := func(marker string) (string, bool) {
		_, rest, ok := strings.Cut(re.Message, marker)
		if !ok {
			return "", false
		}
		n := strings.TrimRight(rest, `"`)
		if _, err := strconv.ParseInt(n, 10, 64); err != nil {
			return "", false
		}
		return n, true
	}
	if n, ok := count(querybuilder.MaxAffectedMarker); ok {
		return &apiError{Status: http.StatusBadRequest, Code: "PGRST124",
			Message: "Query result exceeds max-affected preference constraint",
			Details: "The query affects " + n + " rows", cause: re}
	}
	if n, ok := count(querybuilder.SingleRowMarker); ok {
		return &apiError{Status: http.StatusNotAcceptable, Code: "PGRST116",
			Message: "Cannot coerce the result to a single JSON object",
			Details: "The result contains " + n + " rows", cause: re}
	}
	return nil
}

// httpError maps echo's own errors (routing, body limit) to PostgREST codes.
func httpError(he *echo.HTTPError) *apiError {
	switch he.Code {
	case http.StatusNotFound:
		return newError(http.StatusNotFound, "PGRST125", "Invalid path specified in request URL", "")
	case http.StatusMethodNotAllowed:
		return newError(http.StatusMethodNotAllowed, "PGRST117", "Unsupported HTTP method", "")
	case http.StatusRequestEntityTooLarge:
		return newError(http.StatusRequestEntityTooLarge, "PGRST102",
			"Request body is larger than the configured limit", "")
	}
	msg := http.StatusText(he.Code)
	if m, ok := he.Message.(string); ok {
		msg = m
	}
	return &apiError{Status: he.Code, Code: "PGRSTX00", Message: msg, cause: he}
}

// writeError is echo's HTTPErrorHandler: every failure leaves as a
// PostgREST error object.
func (s *Server) writeError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae := toAPIError(err)
	c.Set(ctxKeyError, ae)
	h := c.Response().Header()
	for k, vs := range ae.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if ae.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", "Bearer")
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(ae.Status)
		return
	}
	body, _ := json.Marshal(ae)
	_ = c.Blob(ae.Status, "application/json; charset=utf-8", body)
}
