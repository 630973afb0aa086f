package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rowgate/rowgate/gateway"
	"github.com/rowgate/rowgate/gateway/auth"
	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/querybuilder/catalog"
	"github.com/rowgate/rowgate/rls"
	pgsql "github.com/rowgate/rowgate/sql"
)

// runServe implements `rowgate serve`.
func runServe(ctx context.Context, args []string, stdout io.Writer, environ []string) error {
	fs := newFlagSet("serve", "serve [--config FILE | FILE]", stdout)
	configPath := fs.String("config", "", "PostgREST-style config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 1 && *configPath == "" {
		// PostgREST takes the config file as its only argument.
		*configPath = fs.Arg(0)
	}
	cfg, err := loadConfig(*configPath, environ)
	if err != nil {
		return err
	}
	logger := newFormatLogger(cfg.LogLevel, cfg.LogFormat, stdout)
	logConfigNotes(logger, cfg)
	if gc := tuneGC(environ, "/sys/fs/cgroup"); gc.percent != 0 || gc.memLimit != 0 {
		logger.Debug("garbage collector tuned", "gc_percent", gc.percent, "memory_limit_bytes", gc.memLimit)
	}

	a, err := newApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.close()
	return a.serve(ctx, nil)
}

// app is one running gateway: its pool, keys, schema cache and servers.
type app struct {
	cfg      Config
	log      *slog.Logger
	pool     *pgxpool.Pool
	verifier *jwks.Verifier
	auth     *auth.Service
	registry *prometheus.Registry
	metrics  *gateway.Metrics
	handler  http.Handler

	// catalog is swapped whole on reload; requests load it without locks.
	catalog atomic.Pointer[catalog.Catalog]
	// reloadMu serialises reloads.
	reloadMu sync.Mutex
}

// newApp connects to the database, loads the schema cache and the keys,
// and builds the HTTP handler. It does not listen yet.
func newApp(ctx context.Context, cfg Config, logger *slog.Logger, extra ...gateway.RouteSet) (*app, error) {
	a := &app{cfg: cfg, log: logger, registry: prometheus.NewRegistry()}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics = gateway.NewMetrics(a.registry, version, commit)

	// The pool logs in as the authenticator role and must not bypass RLS.
	poolCfg, err := pgxpool.ParseConfig(cfg.DBURI)
	if err != nil {
		return nil, fmt.Errorf("db-uri: %w", err)
	}
	poolCfg.MaxConns = int32(cfg.DBPool)
	if !cfg.DBPreparedStatements {
		// pgx prepares its own queries (schema cache, checks) unless told not
		// to; a pooler in transaction mode cannot keep them.
		poolCfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	a.pool, err = pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("db-uri: cannot create pool: %w", err)
	}
	if err := a.pool.Ping(ctx); err != nil {
		a.pool.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, connectError(&poolCfg.ConnConfig.Config, err)
	}
	if err := rls.CheckLogin(ctx, a.pool, cfg.DevMode); err != nil {
		a.pool.Close()
		return nil, err
	}

	// Schema cache and keys.
	if err := a.reload(ctx); err != nil {
		a.pool.Close()
		return nil, err
	}
	checkDatabase(ctx, a.pool, cfg, logger)
	// The built-in auth service, when on, is one more token provider.
	a.auth, err = newAuthService(ctx, cfg, a.pool, logger)
	if err != nil {
		a.pool.Close()
		return nil, err
	}
	jc := jwtConfig(cfg, logger)
	withAuthProvider(&jc, a.auth)
	jc.OnVerify, jc.OnRefresh = a.metrics.ObserveVerify, a.metrics.ObserveRefresh
	a.verifier, err = jwks.New(ctx, jc)
	if err != nil {
		a.pool.Close()
		return nil, jwtSettingError(err, len(cfg.JWTProviders))
	}
	logKeysUnavailable(logger, a.verifier, jwksURLs(cfg))
	if err := a.metrics.RegisterTokenCache(a.verifier.CacheStats); err != nil {
		a.pool.Close()
		return nil, err
	}

	// A request waits for a pooled connection no longer than
	// db-pool-acquisition-timeout, then answers 503 PGRST003.
	runner := rls.NewRunner(a.pool)
	runner.AcquireTimeout = cfg.DBPoolAcquisitionTimeout
	runner.PipelineWindow = cfg.DBPipelineWindow
	runner.PreRequest = cfg.DBPreRequest
	if !cfg.DBPreparedStatements {
		runner.StatementCacheSize = 0
	}
	runner.AppSettings = cfg.AppSettings
	sessions, routes := authOptions(a.auth, extra)
	srv := gateway.New(gateway.Options{
		Sessions:              sessions,
		Routes:                routes,
		Metrics:               a.metrics,
		ServerTiming:          cfg.ServerTimingEnabled,
		BodyLimit:             cfg.ServerMaxBodyBytes,
		Auth:                  a.verifier,
		DB:                    runner,
		Catalog:               a.catalog.Load,
		MaxRows:               cfg.DBMaxRows,
		AggregatesEnabled:     cfg.DBAggregatesEnabled,
		ExtraSearchPath:       cfg.DBExtraSearchPath,
		TxEnd:                 cfg.DBTxEnd,
		CORSAllowedOrigins:    cfg.ServerCORSAllowedOrigins,
		Logger:                logger,
		OpenAPIMode:           cfg.OpenAPIMode,
		OpenAPIServerProxyURI: cfg.OpenAPIServerProxyURI,
	})
	a.handler = srv
	a.registry.MustRegister(rls.NewPoolCollector(a.pool, srv.Pending).WithRunner(runner))
	return a, nil
}

// jwtConfig maps the PostgREST JWT settings and rowgate's own onto the verifier's.
func jwtConfig(cfg Config, logger *slog.Logger) jwks.Config {
	jc := jwks.Config{
		JWKSURL:         cfg.JWTJWKSURL,
		Audience:        cfg.JWTAud,
		Issuer:          cfg.JWTIssuer,
		RoleClaimKey:    cfg.JWTRoleClaimKey,
		DefaultRole:     cfg.JWTDefaultRole,
		AnonRole:        cfg.DBAnonRole,
		CacheMaxEntries: cfg.JWTCacheMaxEntries,
		Logger:          logger,
	}
	secret := strings.TrimSpace(cfg.JWTSecret)
	switch {
	case secret == "":
	case strings.HasPrefix(secret, "{"):
		jc.JWKS = []byte(secret)
	case strings.HasPrefix(secret, "-----BEGIN"):
		jc.PEM = []byte(secret)
	case cfg.JWTSecretIsBase64:
		// validate has already checked that it decodes.
		jc.Secret, _ = configDecodeBase64(secret)
	default:
		jc.Secret = []byte(cfg.JWTSecret)
	}

	// rowgate's own settings: more providers, role limits, timing.
	for i := range cfg.JWTProviders {
		jc.Providers = append(jc.Providers, cfg.JWTProviders[i].verifierProvider())
	}
	jc.AllowedRoles = cfg.JWTAllowedRoles
	jc.Leeway, jc.LeewaySet, jc.RefreshInterval = cfg.JWTLeeway, true, cfg.JWTJWKSRefreshInterval
	jc.MinRefreshInterval, jc.MaxStaleness = cfg.JWTJWKSMinRefreshInterval, cfg.JWTJWKSMaxStaleness

	// PostgreSQL lets a session switch to its own login role, so a token naming the
	// authenticator would run with the login's privileges: refuse it. Roles the login cannot
	// switch to are refused by the database itself (42501 or 22023).
	if pc, err := pgxpool.ParseConfig(cfg.DBURI); err == nil && pc.ConnConfig.User != "" {
		jc.DeniedRoles = []string{pc.ConnConfig.User}
	}
	return jc
}

// reload loads a fresh schema cache and swaps it in.
func (a *app) reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	start := time.Now()
	cat, err := pgsql.LoadCatalog(ctx, a.pool, a.cfg.DBSchemas)
	a.metrics.ObserveSchemaLoad(time.Since(start), err)
	if err != nil {
		return fmt.Errorf("cannot load the schema cache: %w", err)
	}
	a.catalog.Store(cat)
	a.log.Info("schema cache loaded", "tables", len(cat.Tables), "duration", time.Since(start))
	return nil
}

// ready reports everything that keeps the gateway from serving, joined,
// or nil: the schema cache, the database and the JWT keys.
func (a *app) ready(ctx context.Context) error {
	var errs []error
	if a.catalog.Load() == nil {
		errs = append(errs, errors.New("schema cache not loaded"))
	}
	if err := a.pool.Ping(ctx); err != nil {
		errs = append(errs, fmt.Errorf("database unreachable: %w", err))
	}
	if err := a.verifier.Ready(); err != nil {
		errs = append(errs, fmt.Errorf("JWT keys not loaded: %w", err))
	}
	return errors.Join(errs...)
}

// serve listens on the API and admin ports until ctx ends, then shuts down
// gracefully. When started is not nil it receives the API address.
func (a *app) serve(ctx context.Context, started chan<- string) error {
	apiLn, err := listenOn("server-host", a.cfg.ServerHost, "server-port", a.cfg.ServerPort)
	if err != nil {
		return err
	}
	servers := []*http.Server{a.httpServer(a.handler)}
	listeners := []net.Listener{apiLn}
	if a.cfg.AdminServerPort != 0 {
		adminLn, err := listenOn("admin-server-host", adminHost(a.cfg), "admin-server-port",
			a.cfg.AdminServerPort)
		if err != nil {
			apiLn.Close()
			return err
		}
		servers = append(servers, a.httpServer(gateway.AdminHandler(a.ready, a.registry)))
		listeners = append(listeners, adminLn)
		a.log.Info("admin server listening", "address", adminLn.Addr().String())
	}

	// SIGUSR1 reloads the schema cache, as in PostgREST.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)

	// So does NOTIFY on db-channel; the listener stops when serve returns.
	defer a.startListener(ctx)()

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	a.log.Info("listening", "address", apiLn.Addr().String())
	if started != nil {
		started <- apiLn.Addr().String()
	}

	for {
		select {
		case <-usr1:
			if err := a.reload(ctx); err != nil {
				a.log.Error("schema cache reload failed; keeping the old one", "error", err)
			}
			continue
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		break
	}

	// Stop accepting, let requests in flight finish within a bound.
	a.log.Info("shutting down")
	grace := a.cfg.ServerShutdownTimeout
	if grace <= 0 {
		grace = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			a.log.Warn("requests still in flight at server-shutdown-timeout; closing them",
				"timeout", grace, "error", err)
			_ = srv.Close()
		}
	}
	return nil
}

func (a *app) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
}

func (a *app) close() {
	if a.verifier != nil {
		a.verifier.Close()
	}
	a.pool.Close()
}

func hostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// newLogger maps PostgREST's log levels onto a text slog logger.
func newLogger(level string, w io.Writer) *slog.Logger {
	return newFormatLogger(level, "text", w)
}

// newFormatLogger maps PostgREST's log levels onto slog, writing text or
// JSON (log-format).
func newFormatLogger(level, format string, w io.Writer) *slog.Logger {
	lvl := slog.LevelError
	switch level {
	case "crit":
		lvl = slog.LevelError + 4
	case "warn":
		lvl = slog.LevelWarn
	case "info":
		lvl = slog.LevelInfo
	case "debug":
		lvl = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
