// Package gateway is rowgate's HTTP edge: it routes PostgREST-style
// requests, negotiates media types, resolves the caller's identity, hands
// the request to the query builder and the RLS runner, and writes
// PostgreSQL's JSON back with PostgREST's statuses, headers and errors.
package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/querybuilder"
	"github.com/rowgate/rowgate/querybuilder/catalog"
	"github.com/rowgate/rowgate/rls"
)

// Authenticator resolves an Authorization header to an identity.
// [jwks.Verifier] implements it.
type Authenticator interface {
	Identify(ctx context.Context, authorization string) (*jwks.Identity, error)
}

// Executor runs one statement in one transaction under an identity.
// [rls.Runner] implements it.
type Executor interface {
	Run(ctx context.Context, env *rls.Env, sql string, args []any) (*rls.Result, error)
}

// Options configures a [Server].
type Options struct {
	Auth Authenticator
	DB   Executor
	// Catalog returns the current schema cache snapshot; it is called once
	// per request and must not block.
	Catalog func() *catalog.Catalog
	// MaxRows caps every read (db-max-rows); 0 means no cap.
	MaxRows int64
	// AggregatesEnabled allows aggregate functions in select
	// (db-aggregates-enabled); without it they answer 400 PGRST123.
	AggregatesEnabled bool
	// ExtraSearchPath is appended to the request's schema in search_path
	// (db-extra-search-path).
	ExtraSearchPath []string
	// TxEnd is db-tx-end: commit (default), commit-allow-override,
	// rollback or rollback-allow-override.
	TxEnd string
	// CORSAllowedOrigins limits CORS to these origins; empty allows any.
	CORSAllowedOrigins []string
	// BodyLimit is the largest request body accepted, in bytes; 0 means
	// 10 MiB.
	BodyLimit int64
	// Logger receives one access line per request; nil discards them.
	Logger *slog.Logger
	// Sessions, when set, lets a session cookie stand in for a bearer
	// token on requests without an Authorization header.
	Sessions SessionAuthenticator
	// Routes are served beside the Data API (the auth service, the demo
	// page); their paths must not be single segments, which are tables.
	Routes []RouteSet
	// Metrics receives request counts and durations; nil records none.
	Metrics *Metrics
	// ServerTiming adds a Server-Timing header with the time of each
	// phase (server-timing-enabled).
	ServerTiming bool
	// RetryAfter is the Retry-After sent when no pooled connection came
	// free in time (503 PGRST003); 0 means 1 s.
	RetryAfter time.Duration
	// OpenAPIMode is openapi-mode: follow-privileges (the default when
	// empty), ignore-privileges or disabled.
	OpenAPIMode string
	// PlanCacheSize is the number of read shapes whose statements are kept
	// (see [querybuilder.PlanCache]); 0 means the default, a negative
	// number keeps none.
	PlanCacheSize int
	// OpenAPIServerProxyURI is openapi-server-proxy-uri: the URL the
	// OpenAPI document gives as the API's address; empty uses the
	// request's own scheme and host.
	OpenAPIServerProxyURI string
}

// Server serves the Data API.
type Server struct {
	opts Options
	echo *echo.Echo
	log  *slog.Logger
	db   *observedDB
	ids  requestIDs
	// plans holds the statements of reads by shape.
	plans *querybuilder.PlanCache
}

// New builds a Server. It panics when a required option is missing, since
// that is a wiring mistake.
func New(opts Options) *Server {
	if opts.Auth == nil || opts.DB == nil || opts.Catalog == nil {
		panic("gateway: Auth, DB and Catalog are required")
	}
	if opts.BodyLimit == 0 {
		opts.BodyLimit = 10 << 20
	}
	if opts.TxEnd == "" {
		opts.TxEnd = "commit"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}

	if opts.PlanCacheSize == 0 {
		opts.PlanCacheSize = querybuilder.DefaultPlanCacheSize
	}

	s := &Server{opts: opts, echo: echo.New(), log: opts.Logger, ids: newRequestIDs(),
		plans: querybuilder.NewPlanCache(opts.PlanCacheSize)}
	var dbHist prometheus.Observer
	if opts.Metrics != nil {
		dbHist = opts.Metrics.dbDuration
	}
	s.db = newObservedDB(opts.DB, dbHist, opts.RetryAfter)
	s.opts.DB = s.db
	e := s.echo
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.writeError
	e.Use(s.accessLog, s.recoverPanics, s.cors)

	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost,
		http.MethodPatch, http.MethodPut, http.MethodDelete}
	e.Match([]string{http.MethodGet, http.MethodHead}, "/", s.handleRoot)
	e.Match([]string{http.MethodGet, http.MethodHead, http.MethodPost}, "/rpc/:fn", s.handleRPC)
	e.Match([]string{http.MethodPatch, http.MethodPut, http.MethodDelete}, "/rpc/:fn", s.rpcMethodNotAllowed)
	e.Match([]string{http.MethodOptions}, "/rpc/:fn", s.handleOptions)
	e.Match(methods, "/:resource", s.handleTable)
	e.Match([]string{http.MethodOptions}, "/*", s.handleOptions)
	for _, rs := range opts.Routes {
		rs.Register(e)
	}
	e.RouteNotFound("/*", func(c echo.Context) error {
		// A verb no route knows (TRACE, PROPFIND, ...) lands here too.
		if m := c.Request().Method; !slices.Contains(methods, m) && m != http.MethodOptions {
			return newError(http.StatusMethodNotAllowed, "PGRST117", "Unsupported HTTP method: "+m, "")
		}
		return newError(http.StatusNotFound, "PGRST125", "Invalid path specified in request URL", "")
	})
	return s
}

// ServeHTTP makes Server an [http.Handler].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}
