package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/rls"
)

// Config is rowgate's configuration. Its keys and defaults follow PostgREST's, so a PostgREST
// config file and PGRST_* environment work unchanged. Keys that exist only in rowgate are read
// from the same file and from ROWGATE_* environment variables.
type Config struct {
	// DBURI is the libpq connection string (db-uri). "postgresql://" by default, which takes
	// every parameter from the PG* environment. "@path" reads it from a file.
	DBURI string
	// DBSchemas are the exposed schemas (db-schemas, alias db-schema); the first is the default.
	DBSchemas []string
	// DBAnonRole is the role for requests without a token (db-anon-role). Empty means such
	// requests are refused.
	DBAnonRole string
	// DBPool is the maximum number of pooled connections (db-pool), 10 by default.
	DBPool int
	// DBPoolAcquisitionTimeout is how long a request waits for a pooled connection
	// (db-pool-acquisition-timeout, whole seconds), 10 s by default.
	DBPoolAcquisitionTimeout time.Duration
	// DBPipelineWindow lets a request that finds every pooled connection busy
	// queue its statements behind an exchange sent less than this long ago
	// (db-pipeline-window, whole milliseconds; 0 turns it off), 1 ms by default.
	DBPipelineWindow time.Duration
	// DBMaxRows caps the rows a read returns (db-max-rows, alias max-rows); 0 is unlimited.
	DBMaxRows int64
	// DBExtraSearchPath is appended to the search_path (db-extra-search-path), ["public"] by
	// default; an empty value gives an empty list.
	DBExtraSearchPath []string
	// DBPreRequest is a function called before every request (db-pre-request, alias
	// pre-request), possibly schema-qualified. Empty means none.
	DBPreRequest string
	// DBTxEnd is how transactions end (db-tx-end): commit (default), commit-allow-override,
	// rollback or rollback-allow-override.
	DBTxEnd string
	// DBAggregatesEnabled allows aggregate functions in select (db-aggregates-enabled).
	DBAggregatesEnabled bool
	// DBChannel is the NOTIFY channel for reloads (db-channel), "pgrst" by default.
	DBChannel string
	// DBChannelEnabled turns the NOTIFY listener on (db-channel-enabled), true by default.
	DBChannelEnabled bool
	// DBPreparedStatements keeps prepared statements per pooled connection
	// (db-prepared-statements), true by default; turn it off behind a pooler
	// in transaction mode such as PgBouncer.
	DBPreparedStatements bool
	// JWTSecret is an HMAC secret of at least 32 bytes, or a JWK or JWKS as JSON (jwt-secret).
	// "@path" is replaced by the file's contents when the config is loaded. Empty means none.
	JWTSecret string
	// JWTSecretIsBase64 says JWTSecret is base64 encoded (jwt-secret-is-base64).
	JWTSecretIsBase64 bool
	// JWTAud is the audience a token must carry (jwt-aud). Empty accepts any audience.
	JWTAud string
	// JWTRoleClaimKey is the path of the role claim (jwt-role-claim-key, alias
	// role-claim-key), ".role" by default. It is stored unchecked.
	JWTRoleClaimKey string
	// JWTCacheMaxEntries is the size of the verified-token cache (jwt-cache-max-entries),
	// 1000 by default; 0 turns the cache off.
	JWTCacheMaxEntries int
	// ServerHost is where the API listens (server-host), "!4" by default. The special values
	// "*", "*4", "!4", "*6" and "!6" are translated by [listenHost].
	ServerHost string
	// ServerPort is the API's TCP port (server-port), 3000 by default; 0 picks a free port.
	ServerPort int
	// AdminServerHost is where the admin server listens (admin-server-host). Empty means
	// ServerHost; loadConfig fills it in.
	AdminServerHost string
	// AdminServerPort is the admin server's port (admin-server-port); 0 turns it off.
	AdminServerPort int
	// ServerCORSAllowedOrigins lists the allowed CORS origins (server-cors-allowed-origins).
	// Nil allows any origin.
	ServerCORSAllowedOrigins []string
	// ServerTimingEnabled adds a Server-Timing header (server-timing-enabled).
	ServerTimingEnabled bool
	// LogLevel is crit, error (default), warn, info or debug (log-level).
	LogLevel string
	// OpenAPIMode is follow-privileges (default), ignore-privileges or disabled (openapi-mode).
	OpenAPIMode string
	// OpenAPIServerProxyURI is the API's public address for the OpenAPI document's host,
	// basePath and schemes (openapi-server-proxy-uri), an absolute http or https URL. Empty
	// uses the scheme and host each request came to.
	OpenAPIServerProxyURI string

	// JWTJWKSURL is an http(s) URL to fetch verification keys from (jwt-jwks-url,
	// ROWGATE_JWT_JWKS_URL). Empty means none.
	JWTJWKSURL string
	// JWTDefaultRole is the role for a valid token that has no role claim (jwt-default-role,
	// ROWGATE_JWT_DEFAULT_ROLE). Empty means such tokens are refused.
	JWTDefaultRole string
	// JWTIssuer is the issuer a token must carry (jwt-iss, ROWGATE_JWT_ISS). Empty accepts
	// any issuer.
	JWTIssuer string
	// JWTProviders are more key sources, each checking its own issuer and audience
	// (jwt-providers, ROWGATE_JWT_PROVIDERS): a JSON array of objects (see [jwtProvider]), or
	// "@path" of a file holding one. jwt-secret, jwt-jwks-url, jwt-aud and jwt-iss form one
	// more provider. Nil means none.
	JWTProviders []jwtProvider
	// jwtProvidersFile is the path of a jwt-providers value given as "@path"; readFiles
	// reads and parses it.
	jwtProvidersFile string
	// JWTAllowedRoles lists the only roles a token may claim (jwt-allowed-roles,
	// ROWGATE_JWT_ALLOWED_ROLES, comma-separated); others get 401 PGRST303. Nil allows any.
	JWTAllowedRoles []string
	// JWTLeeway is the clock skew allowed on exp, nbf and iat (jwt-leeway, ROWGATE_JWT_LEEWAY,
	// whole seconds), 30 s by default. Zero means none: a token is refused the second it
	// expires.
	JWTLeeway time.Duration
	// JWTJWKSRefreshInterval is how often JWKS URLs are fetched when their response has no
	// Cache-Control max-age (jwt-jwks-refresh-interval, whole seconds). Zero (unset) means
	// 300 s.
	JWTJWKSRefreshInterval time.Duration
	// JWTJWKSMinRefreshInterval limits the fetches that tokens with an unknown kid trigger to
	// one per interval per URL (jwt-jwks-min-refresh-interval, whole seconds). Zero (unset)
	// means 10 s.
	JWTJWKSMinRefreshInterval time.Duration
	// JWTJWKSMaxStaleness is how long the last good keys of a JWKS URL stay in use while
	// fetches fail (jwt-jwks-max-staleness, whole seconds). Zero (unset) means 86400 s.
	JWTJWKSMaxStaleness time.Duration
	// DevMode allows a login role that is a superuser or has BYPASSRLS (dev-mode,
	// ROWGATE_DEV_MODE). Never set it in production.
	DevMode bool
	// AuthEnabled turns on the built-in auth service (auth-enabled, ROWGATE_AUTH_ENABLED),
	// off by default: sign-up, sign-in and sessions under AuthPrefix, users in neon_auth.
	AuthEnabled bool
	// AuthSecret seals the auth service's signing keys at rest (auth-secret,
	// ROWGATE_AUTH_SECRET), at least 32 characters; required when AuthEnabled.
	AuthSecret string
	// AuthPrefix is the path of the auth routes (auth-prefix, ROWGATE_AUTH_PREFIX). Empty
	// means "/auth".
	AuthPrefix string
	// AuthRequireEmailVerification withholds sessions until the user follows an emailed link
	// (auth-require-email-verification, ROWGATE_AUTH_REQUIRE_EMAIL_VERIFICATION).
	AuthRequireEmailVerification bool
	// AuthJWTAlg signs the auth service's tokens (auth-jwt-alg, ROWGATE_AUTH_JWT_ALG): EdDSA,
	// ES256 or RS256. Empty means EdDSA.
	AuthJWTAlg string
	// AuthBaseURL is the public URL of the API, used in emailed links and as the tokens'
	// issuer (auth-base-url, ROWGATE_AUTH_BASE_URL). Empty: no verification links are sent,
	// and email verification cannot be required; links never come from request headers.
	AuthBaseURL string
	// LogFormat is text (default) or json (log-format, ROWGATE_LOG_FORMAT).
	LogFormat string
	// ServerShutdownTimeout bounds how long a stopping server waits for requests in flight
	// (server-shutdown-timeout, ROWGATE_SERVER_SHUTDOWN_TIMEOUT, whole seconds), 10 s by
	// default.
	ServerShutdownTimeout time.Duration
	// ServerMaxBodyBytes is the largest request body accepted (server-max-body-bytes,
	// ROWGATE_SERVER_MAX_BODY_BYTES), 10 MiB by default.
	ServerMaxBodyBytes int64
	// AppSettings are the app.settings.* keys (PGRST_APP_SETTINGS_* in the environment),
	// keyed by their full name, such as "app.settings.jwt_exp".
	AppSettings map[string]string

	// unknownKeys names the keys (file) and variables (environment) that loadConfig did not
	// recognise. They are not an error, but worth a warning.
	unknownKeys []string
	// ignoredKeys names PostgREST keys that loadConfig recognised but rowgate does not
	// implement; their values have no effect.
	ignoredKeys []string
}

// configError is a problem with one configuration key.
type configError struct {
	Key string
	Msg string
}

func (e *configError) Error() string { return e.Key + ": " + e.Msg }

func configErrorf(key, format string, args ...any) error {
	return &configError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// defaultConfig returns the configuration used when nothing is set.
func defaultConfig() Config {
	return Config{
		DBURI:                    "postgresql://",
		DBSchemas:                []string{"public"},
		DBPool:                   10,
		DBPoolAcquisitionTimeout: 10 * time.Second,
		DBPipelineWindow:         rls.DefaultPipelineWindow,
		DBExtraSearchPath:        []string{"public"},
		DBTxEnd:                  "commit",
		DBChannel:                "pgrst",
		DBChannelEnabled:         true,
		DBPreparedStatements:     true,
		JWTRoleClaimKey:          ".role",
		JWTCacheMaxEntries:       1000,
		JWTLeeway:                jwks.DefaultLeeway,
		ServerHost:               "!4",
		ServerPort:               3000,
		LogLevel:                 "error",
		LogFormat:                "text",
		ServerShutdownTimeout:    10 * time.Second,
		ServerMaxBodyBytes:       10 << 20,
		OpenAPIMode:              "follow-privileges",
		AppSettings:              map[string]string{},
	}
}

// configKey describes one key: its name, its aliases and how its text sets the Config.
type configKey struct {
	name    string
	aliases []string
	// own marks rowgate's keys, read from ROWGATE_* instead of PGRST_*.
	own bool
	// emptyable keys take an empty value as a value; for the others it means "unset".
	emptyable bool
	set       func(c *Config, key, val string) error
}

// configKeys lists every key rowgate implements, in the order they are applied.
var configKeys = []configKey{
	{name: "db-uri", set: func(c *Config, _, v string) error { c.DBURI = v; return nil }},
	{name: "db-schemas", aliases: []string{"db-schema"}, set: func(c *Config, _, v string) error {
		c.DBSchemas = configSplitList(v)
		return nil
	}},
	{name: "db-anon-role", set: func(c *Config, _, v string) error { c.DBAnonRole = v; return nil }},
	{name: "db-pool", set: func(c *Config, k, v string) error {
		return configSetPositive(&c.DBPool, k, v)
	}},
	{name: "db-pool-acquisition-timeout", set: func(c *Config, k, v string) error {
		var secs int
		if err := configSetPositive(&secs, k, v); err != nil {
			return err
		}
		c.DBPoolAcquisitionTimeout = time.Duration(secs) * time.Second
		return nil
	}},
	{name: "db-max-rows", aliases: []string{"max-rows"}, set: func(c *Config, k, v string) error {
		n, err := configParseInt(v)
		if err != nil || n < 0 {
			return configErrorf(k, "must be a non-negative integer, got %q", v)
		}
		c.DBMaxRows = n
		return nil
	}},
	{name: "db-extra-search-path", emptyable: true, set: func(c *Config, _, v string) error {
		c.DBExtraSearchPath = configSplitList(v)
		return nil
	}},
	{name: "db-pre-request", aliases: []string{"pre-request"}, set: func(c *Config, _, v string) error {
		c.DBPreRequest = v
		return nil
	}},
	{name: "db-tx-end", set: func(c *Config, _, v string) error { c.DBTxEnd = v; return nil }},
	{name: "db-aggregates-enabled", set: func(c *Config, k, v string) error {
		return configSetBool(&c.DBAggregatesEnabled, k, v)
	}},
	{name: "db-channel", set: func(c *Config, _, v string) error { c.DBChannel = v; return nil }},
	{name: "db-channel-enabled", set: func(c *Config, k, v string) error {
		return configSetBool(&c.DBChannelEnabled, k, v)
	}},
	{name: "db-prepared-statements", set: func(c *Config, k, v string) error {
		return configSetBool(&c.DBPreparedStatements, k, v)
	}},
	{name: "jwt-secret", set: func(c *Config, _, v string) error { c.JWTSecret = v; return nil }},
	{name: "jwt-secret-is-base64", aliases: []string{"secret-is-base64"},
		set: func(c *Config, k, v string) error { return configSetBool(&c.JWTSecretIsBase64, k, v) }},
	{name: "jwt-aud", set: func(c *Config, _, v string) error { c.JWTAud = v; return nil }},
	{name: "jwt-role-claim-key", aliases: []string{"role-claim-key"}, set: func(c *Config, _, v string) error {
		c.JWTRoleClaimKey = v
		return nil
	}},
	{name: "jwt-cache-max-entries", set: func(c *Config, k, v string) error {
		n, err := configParseInt(v)
		if err != nil || n < 0 || n > int64(^uint32(0)>>1) {
			return configErrorf(k, "must be a non-negative integer, got %q", v)
		}
		c.JWTCacheMaxEntries = int(n)
		return nil
	}},
	{name: "server-host", set: func(c *Config, _, v string) error { c.ServerHost = v; return nil }},
	{name: "server-port", set: func(c *Config, k, v string) error {
		return configSetPort(&c.ServerPort, k, v)
	}},
	{name: "admin-server-host", set: func(c *Config, _, v string) error {
		c.AdminServerHost = v
		return nil
	}},
	{name: "admin-server-port", set: func(c *Config, k, v string) error {
		return configSetPort(&c.AdminServerPort, k, v)
	}},
	{name: "server-cors-allowed-origins", set: func(c *Config, _, v string) error {
		c.ServerCORSAllowedOrigins = configSplitList(v)
		return nil
	}},
	{name: "server-timing-enabled", set: func(c *Config, k, v string) error {
		return configSetBool(&c.ServerTimingEnabled, k, v)
	}},
	{name: "log-level", set: func(c *Config, _, v string) error { c.LogLevel = v; return nil }},
	{name: "openapi-mode", set: func(c *Config, _, v string) error { c.OpenAPIMode = v; return nil }},
	{name: "openapi-server-proxy-uri", set: func(c *Config, _, v string) error {
		c.OpenAPIServerProxyURI = v
		return nil
	}},

	{name: "db-pipeline-window", own: true, set: func(c *Config, k, v string) error {
		ms, err := configParseInt(v)
		if err != nil || ms < 0 || ms > 60_000 {
			return configErrorf(k, "must be a whole number of milliseconds from 0 to 60000, got %q", v)
		}
		c.DBPipelineWindow = time.Duration(ms) * time.Millisecond
		return nil
	}},
	{name: "jwt-jwks-url", own: true, set: func(c *Config, _, v string) error {
		c.JWTJWKSURL = v
		return nil
	}},
	{name: "jwt-default-role", own: true, set: func(c *Config, _, v string) error {
		c.JWTDefaultRole = v
		return nil
	}},
	{name: "jwt-iss", own: true, set: func(c *Config, _, v string) error { c.JWTIssuer = v; return nil }},
	{name: "jwt-providers", own: true, set: func(c *Config, k, v string) error {
		if path, ok := strings.CutPrefix(strings.TrimSpace(v), "@"); ok {
			c.jwtProvidersFile = path
			return nil
		}
		ps, err := parseJWTProviders(k, v)
		c.JWTProviders = ps
		return err
	}},
	{name: "jwt-allowed-roles", own: true, set: func(c *Config, _, v string) error {
		c.JWTAllowedRoles = configSplitList(v)
		return nil
	}},
	{name: "jwt-leeway", own: true, set: func(c *Config, k, v string) error {
		n, err := configParseInt(v)
		if err != nil || n < 0 || n > int64(^uint32(0)>>1) {
			return configErrorf(k, "must be a non-negative whole number of seconds, got %q", v)
		}
		c.JWTLeeway = time.Duration(n) * time.Second
		return nil
	}},
	{name: "jwt-jwks-refresh-interval", own: true, set: func(c *Config, k, v string) error {
		return configSetSeconds(&c.JWTJWKSRefreshInterval, k, v)
	}},
	{name: "jwt-jwks-min-refresh-interval", own: true, set: func(c *Config, k, v string) error {
		return configSetSeconds(&c.JWTJWKSMinRefreshInterval, k, v)
	}},
	{name: "jwt-jwks-max-staleness", own: true, set: func(c *Config, k, v string) error {
		return configSetSeconds(&c.JWTJWKSMaxStaleness, k, v)
	}},
	{name: "dev-mode", own: true, set: func(c *Config, k, v string) error {
		return configSetBool(&c.DevMode, k, v)
	}},
	{name: "auth-enabled", own: true, set: func(c *Config, k, v string) error {
		return configSetBool(&c.AuthEnabled, k, v)
	}},
	{name: "auth-secret", own: true, set: func(c *Config, _, v string) error { c.AuthSecret = v; return nil }},
	{name: "auth-prefix", own: true, set: func(c *Config, _, v string) error { c.AuthPrefix = v; return nil }},
	{name: "auth-require-email-verification", own: true, set: func(c *Config, k, v string) error {
		return configSetBool(&c.AuthRequireEmailVerification, k, v)
	}},
	{name: "auth-jwt-alg", own: true, set: func(c *Config, _, v string) error { c.AuthJWTAlg = v; return nil }},
	{name: "auth-base-url", own: true, set: func(c *Config, _, v string) error { c.AuthBaseURL = v; return nil }},
	{name: "log-format", own: true, set: func(c *Config, _, v string) error { c.LogFormat = v; return nil }},
	{name: "server-shutdown-timeout", own: true, set: func(c *Config, k, v string) error {
		var secs int
		if err := configSetPositive(&secs, k, v); err != nil {
			return err
		}
		c.ServerShutdownTimeout = time.Duration(secs) * time.Second
		return nil
	}},
	{name: "server-max-body-bytes", own: true, set: func(c *Config, k, v string) error {
		var n int
		if err := configSetPositive(&n, k, v); err != nil {
			return err
		}
		c.ServerMaxBodyBytes = int64(n)
		return nil
	}},
}

// configIgnoredKeys are PostgREST keys (current and removed) that rowgate accepts and
// ignores. They are reported through Config.ignoredKeys so the caller can warn.
var configIgnoredKeys = []string{
	"admin-server-config-enabled", "admin-server-unix-socket", "admin-server-unix-socket-mode",
	"client-error-verbosity", "db-config", "db-hoisted-tx-settings", "db-plan-enabled",
	"db-pool-automatic-recovery", "db-pool-max-idletime", "db-pool-max-lifetime",
	"db-pool-timeout", "db-pre-config", "db-root-spec",
	"db-timezone-enabled", "db-use-legacy-gucs", "jwt-cache-max-lifetime", "log-query",
	"openapi-security-active", "raw-media-types", "root-spec",
	"server-otel-enabled", "server-reuseport", "server-trace-header", "server-unix-socket",
	"server-unix-socket-mode", "url-use-legacy-target-names",
}

const configAppSettingsPrefix = "app.settings."

// configLookup finds the key a name (canonical or alias) belongs to, or nil.
func configLookup(name string) *configKey {
	for i := range configKeys {
		k := &configKeys[i]
		if k.name == name || slices.Contains(k.aliases, name) {
			return k
		}
	}
	return nil
}

// configLayer is the settings of one source (file or environment), keyed by canonical key
// name. Within one source a canonical name beats its alias, as in PostgREST; across sources
// the later source wins whichever spelling it used.
type configLayer struct {
	vals      map[string]string
	canonical map[string]bool
	unknown   []string
	ignored   []string
}

func newConfigLayer() *configLayer {
	return &configLayer{vals: map[string]string{}, canonical: map[string]bool{}}
}

// add records one setting. key is the name as written; source is the name to report when
// the key is unknown (the file key, or the environment variable); rowgateEnv says the
// setting came from a ROWGATE_* variable.
func (l *configLayer) add(key, source, val string, rowgateEnv bool) {
	if strings.HasPrefix(key, configAppSettingsPrefix) && !rowgateEnv {
		l.vals[key] = val
		return
	}
	k := configLookup(key)
	switch {
	case k == nil && !rowgateEnv && slices.Contains(configIgnoredKeys, key):
		l.ignored = append(l.ignored, source)
		return
	case k == nil:
		l.unknown = append(l.unknown, source)
		return
	case k.own != rowgateEnv && source != key:
		// The environment spells PostgREST keys PGRST_* and rowgate's ROWGATE_*.
		l.unknown = append(l.unknown, source)
		return
	}
	isCanonical := key == k.name
	if !isCanonical && l.canonical[k.name] {
		return
	}
	l.vals[k.name] = val
	l.canonical[k.name] = isCanonical
}

// loadConfig reads the configuration: defaults, then the file at path (none when path is
// ""), then the environment given as "KEY=value" strings, each overriding the one before.
// Unknown keys are not an error; they are listed in the result's unknownKeys. The error, if
// any, joins one [configError] per bad key.
func loadConfig(path string, environ []string) (Config, error) {
	env := configEnvMap(environ)
	lookupEnv := func(name string) (string, bool) { v, ok := env[name]; return v, ok }

	// Read the file layer.
	fileLayer := newConfigLayer()
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return Config{}, fmt.Errorf("open config file: %w", err)
		}
		vals, err := configParse(f, lookupEnv)
		f.Close()
		if err != nil {
			return Config{}, fmt.Errorf("read config file %s: %w", path, err)
		}
		for _, key := range slices.Sorted(maps.Keys(vals)) {
			fileLayer.add(key, key, vals[key], false)
		}
	}

	// Read the environment layer and merge it over the file.
	envLayer := configEnvLayer(env)
	merged := map[string]string{}
	for _, l := range []*configLayer{fileLayer, envLayer} {
		for k, v := range l.vals {
			merged[k] = v
		}
	}

	// Apply the settings to the defaults.
	c := defaultConfig()
	c.unknownKeys = append(fileLayer.unknown, envLayer.unknown...)
	c.ignoredKeys = append(fileLayer.ignored, envLayer.ignored...)
	var errs []error
	for _, k := range configKeys {
		v, ok := merged[k.name]
		if !ok || (v == "" && !k.emptyable) {
			continue
		}
		if err := k.set(&c, k.name, v); err != nil {
			errs = append(errs, err)
		}
	}
	for k, v := range merged {
		if strings.HasPrefix(k, configAppSettingsPrefix) {
			c.AppSettings[k] = v
		}
	}
	if v := merged["admin-server-host"]; v == "" {
		c.AdminServerHost = c.ServerHost
	}

	// Replace "@file" values by the files' contents; an unread file is not validated.
	if err := c.readFiles(); err != nil {
		return c, errors.Join(append(errs, err)...)
	}
	errs = append(errs, c.validate())
	return c, errors.Join(errs...)
}

// readFiles replaces a db-uri or jwt-secret of the form "@path" by the file's contents, as
// PostgREST does: the URI is trimmed, the secret loses one trailing newline.
func (c *Config) readFiles() error {
	var errs []error
	if name, ok := strings.CutPrefix(c.DBURI, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			errs = append(errs, configErrorf("db-uri", "cannot read file: %v", err))
		} else {
			c.DBURI = strings.TrimSpace(string(b))
		}
	}
	if name, ok := strings.CutPrefix(c.JWTSecret, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			errs = append(errs, configErrorf("jwt-secret", "cannot read file: %v", err))
		} else {
			c.JWTSecret = strings.TrimSuffix(string(b), "\n")
		}
	}
	errs = append(errs, c.readProviderFiles())
	return errors.Join(errs...)
}

// readProviderFiles reads jwt-providers from its "@path" file, if given, and then the
// files its entries name.
func (c *Config) readProviderFiles() error {
	if c.jwtProvidersFile != "" {
		b, err := os.ReadFile(c.jwtProvidersFile)
		if err != nil {
			return configErrorf("jwt-providers", "cannot read file: %v", err)
		}
		if c.JWTProviders, err = parseJWTProviders("jwt-providers", string(b)); err != nil {
			return err
		}
	}
	var errs []error
	for i := range c.JWTProviders {
		errs = append(errs, c.JWTProviders[i].readFiles("jwt-providers", i))
	}
	return errors.Join(errs...)
}

// configEnvMap turns "KEY=value" strings into a map; a later duplicate wins.
func configEnvMap(environ []string) map[string]string {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// configEnvLayer reads PGRST_* (PostgREST keys and PGRST_APP_SETTINGS_*) and ROWGATE_*
// (rowgate's keys). Unknown ROWGATE_* variables are skipped silently because other tools
// of the project use that prefix too; unknown PGRST_* ones are reported.
func configEnvLayer(env map[string]string) *configLayer {
	l := newConfigLayer()
	for _, name := range slices.Sorted(maps.Keys(env)) {
		val := env[name]
		if rest, ok := strings.CutPrefix(name, "PGRST_APP_SETTINGS_"); ok && rest != "" {
			l.vals[configAppSettingsPrefix+strings.ToLower(rest)] = val
			continue
		}
		if rest, ok := strings.CutPrefix(name, "PGRST_"); ok {
			l.add(configEnvKey(rest), name, val, false)
			continue
		}
		if rest, ok := strings.CutPrefix(name, "ROWGATE_"); ok {
			key := configEnvKey(rest)
			if k := configLookup(key); k != nil {
				l.add(key, name, val, true)
			}
		}
	}
	return l
}

// configEnvKey turns the part after the prefix, such as "DB_POOL", into "db-pool".
func configEnvKey(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// configSplitList splits a comma-separated value, trims each item and drops empty ones.
func configSplitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// configParseInt reads a whole number; a number written with a fraction or exponent is
// accepted when its value is whole ("10.0", "1e3").
func configParseInt(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, fmt.Errorf("not an integer: %q", v)
	}
	return int64(f), nil
}

func configSetPositive(dst *int, key, v string) error {
	n, err := configParseInt(v)
	if err != nil || n <= 0 || n > int64(^uint32(0)>>1) {
		return configErrorf(key, "must be a positive integer, got %q", v)
	}
	*dst = int(n)
	return nil
}

// configSetSeconds reads a positive whole number of seconds.
func configSetSeconds(dst *time.Duration, key, v string) error {
	var secs int
	if err := configSetPositive(&secs, key, v); err != nil {
		return err
	}
	*dst = time.Duration(secs) * time.Second
	return nil
}

func configSetPort(dst *int, key, v string) error {
	n, err := configParseInt(v)
	if err != nil {
		return configErrorf(key, "must be an integer port number, got %q", v)
	}
	if n < 0 || n > 65535 {
		return configErrorf(key, "must be between 0 and 65535, got %d", n)
	}
	*dst = int(n)
	return nil
}

func configSetBool(dst *bool, key, v string) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		return configErrorf(key, "must be true or false, got %q", v)
	}
	return nil
}

var (
	configTxEnds    = []string{"commit", "commit-allow-override", "rollback", "rollback-allow-override"}
	configLogLevels = []string{"crit", "error", "warn", "info", "debug"}
	configOpenAPI   = []string{"follow-privileges", "ignore-privileges", "disabled"}
)

var configLogFormats = []string{"text", "json"}

// validate checks the values and how they fit together. It returns one [configError] per
// bad key, joined.
func (c *Config) validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, configErrorf(key, format, args...))
	}

	// Database settings.
	if len(c.DBSchemas) == 0 {
		bad("db-schemas", "must name at least one schema")
	}
	for _, s := range c.DBSchemas {
		if s == "pg_catalog" || s == "information_schema" {
			bad("db-schemas", "schema %q cannot be exposed", s)
		}
	}
	if c.DBPool <= 0 {
		bad("db-pool", "must be a positive integer, got %d", c.DBPool)
	}
	if c.DBPoolAcquisitionTimeout <= 0 {
		bad("db-pool-acquisition-timeout", "must be a positive number of seconds, got %s",
			c.DBPoolAcquisitionTimeout)
	}
	if c.DBMaxRows < 0 {
		bad("db-max-rows", "must be a non-negative integer, got %d", c.DBMaxRows)
	}
	if !slices.Contains(configTxEnds, c.DBTxEnd) {
		bad("db-tx-end", "must be one of %s, got %q", strings.Join(configTxEnds, ", "), c.DBTxEnd)
	}
	if c.DBChannelEnabled && strings.TrimSpace(c.DBChannel) == "" {
		bad("db-channel", "must not be empty while db-channel-enabled is true")
	}

	// JWT settings.
	if err := c.validateSecret(); err != nil {
		errs = append(errs, err)
	}
	if strings.Contains(c.JWTAud, ":") {
		if u, err := url.Parse(c.JWTAud); err != nil || u.Scheme == "" {
			bad("jwt-aud", "must be a string or a valid URI, got %q", c.JWTAud)
		}
	}
	if c.JWTCacheMaxEntries < 0 {
		bad("jwt-cache-max-entries", "must be a non-negative integer, got %d", c.JWTCacheMaxEntries)
	}
	if c.JWTJWKSURL != "" {
		u, err := url.Parse(c.JWTJWKSURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("jwt-jwks-url", "must be an absolute http or https URL, got %q", c.JWTJWKSURL)
		}
	}
	for i := range c.JWTProviders {
		errs = append(errs, c.JWTProviders[i].validate("jwt-providers", i)...)
	}
	for _, role := range c.JWTAllowedRoles {
		if !configValidRole(role) {
			bad("jwt-allowed-roles", "%q is not a valid role name", role)
		}
	}

	// Server settings.
	if c.ServerHost == "" {
		bad("server-host", "must not be empty")
	} else if err := configCheckHost(c.ServerHost); err != nil {
		bad("server-host", "%v", err)
	}
	if c.AdminServerHost != "" && c.AdminServerHost != c.ServerHost {
		if err := configCheckHost(c.AdminServerHost); err != nil {
			bad("admin-server-host", "%v", err)
		}
	}
	if c.ServerPort < 0 || c.ServerPort > 65535 {
		bad("server-port", "must be between 0 and 65535, got %d", c.ServerPort)
	}
	if c.AdminServerPort < 0 || c.AdminServerPort > 65535 {
		bad("admin-server-port", "must be between 0 and 65535, got %d", c.AdminServerPort)
	}
	if c.AdminServerPort != 0 && c.AdminServerPort == c.ServerPort {
		bad("admin-server-port", "must differ from server-port (%d)", c.ServerPort)
	}
	if !slices.Contains(configLogLevels, c.LogLevel) {
		bad("log-level", "must be one of %s, got %q", strings.Join(configLogLevels, ", "), c.LogLevel)
	}
	if !slices.Contains(configLogFormats, c.LogFormat) {
		bad("log-format", "must be one of %s, got %q", strings.Join(configLogFormats, ", "), c.LogFormat)
	}
	if !slices.Contains(configOpenAPI, c.OpenAPIMode) {
		bad("openapi-mode", "must be one of %s, got %q", strings.Join(configOpenAPI, ", "), c.OpenAPIMode)
	}
	if v := c.OpenAPIServerProxyURI; v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("openapi-server-proxy-uri", "must be an absolute http or https URL, got %q", v)
		}
	}
	errs = append(errs, c.validateAuth())
	return errors.Join(errs...)
}

// validateSecret checks jwt-secret the way PostgREST reads it: JSON is a JWK or a JWKS,
// anything else is an HMAC secret of at least 32 bytes, after base64 decoding when
// jwt-secret-is-base64 is set.
func (c *Config) validateSecret() error {
	if c.JWTSecret == "" {
		return nil
	}
	secret := []byte(c.JWTSecret)
	if c.JWTSecretIsBase64 {
		dec, err := configDecodeBase64(c.JWTSecret)
		if err != nil {
			return configErrorf("jwt-secret", "is not valid base64 (jwt-secret-is-base64 is true): %v", err)
		}
		secret = dec
	} else if trimmed := strings.TrimSpace(c.JWTSecret); strings.HasPrefix(trimmed, "{") {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(trimmed), &obj); err != nil {
			return configErrorf("jwt-secret", "looks like JSON but does not parse: %v", err)
		}
		if obj["keys"] == nil && obj["kty"] == nil {
			return configErrorf("jwt-secret", "JSON must be a JWK (with \"kty\") or a JWKS (with \"keys\")")
		}
		return nil
	}
	if len(secret) < 32 {
		return configErrorf("jwt-secret", "an HMAC secret must be at least 32 characters long, got %d",
			len(secret))
	}
	return nil
}

// configDecodeBase64 decodes standard or URL-safe base64, with or without padding.
func configDecodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("-", "+", "_", "/", ".", "=").Replace(s)
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// listenHost translates a server-host or admin-server-host value into a host for
// [net.Listen]: "*" gives "" (every address), "*4" and "!4" give "0.0.0.0", "*6" and "!6"
// give "::"; other values are returned unchanged. Pair it with [listenNetwork].
func listenHost(spec string) string {
	switch spec {
	case "*":
		return ""
	case "*4", "!4":
		return "0.0.0.0"
	case "*6", "!6":
		return "::"
	}
	return spec
}

// listenNetwork is the [net.Listen] network for a server-host value: "tcp4" for "!4",
// "tcp6" for "!6", "tcp" otherwise. Go's "tcp" on "0.0.0.0" accepts IPv6 too, so only
// "tcp4" keeps "!4" to IPv4 as PostgREST does.
func listenNetwork(spec string) string {
	switch spec {
	case "!4":
		return "tcp4"
	case "!6":
		return "tcp6"
	}
	return "tcp"
}

// parseConfigFile reads a PostgREST config file into a map from key to value text. It
// takes `$(NAME)` in strings from an earlier key or else the process environment.
func parseConfigFile(r io.Reader) (map[string]string, error) {
	return configParse(r, os.LookupEnv)
}

// configParse reads PostgREST's config file format:
//
//	# comment
//	key = "string with \" and \\ and $(ENV_VAR) and $$"
//	number = 10
//	flag = true          # or false, on, off
//	app.settings.jwt_exp = 3600
//	group { inner = "x" } # the same as group.inner = "x"
//
// Values become text: numbers as written, booleans as "true" or "false". Inside strings,
// `$(NAME)` is the value of an earlier key NAME, or else the environment variable NAME, and
// `$$` is a literal `$`; any other `$` is an error. Lists and `import` are not supported.
func configParse(r io.Reader, lookupEnv func(string) (string, bool)) (map[string]string, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	p := &configParser{src: string(src), line: 1, vals: map[string]string{}, lookupEnv: lookupEnv}
	if err := p.directives("", false); err != nil {
		return nil, err
	}
	return p.vals, nil
}

// configParser is a recursive-descent parser over the whole file.
type configParser struct {
	src       string
	pos       int
	line      int
	vals      map[string]string
	lookupEnv func(string) (string, bool)
}

func (p *configParser) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", p.line, fmt.Sprintf(format, args...))
}

func (p *configParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *configParser) eof() bool { return p.pos >= len(p.src) }

func (p *configParser) advance() {
	if p.src[p.pos] == '\n' {
		p.line++
	}
	p.pos++
}

// skipSpace skips blanks and comments, and newlines too when lines is true.
func (p *configParser) skipSpace(lines bool) {
	for !p.eof() {
		switch c := p.peek(); {
		case c == ' ' || c == '\t' || c == '\r' || (lines && c == '\n'):
			p.advance()
		case c == '#':
			for !p.eof() && p.peek() != '\n' {
				p.advance()
			}
		default:
			return
		}
	}
}

// directives reads bindings and groups until the end of input or, in a group, a '}'.
func (p *configParser) directives(prefix string, inGroup bool) error {
	for {
		p.skipSpace(true)
		if p.eof() {
			if inGroup {
				return p.errorf("missing '}' to close group %q", strings.TrimSuffix(prefix, "."))
			}
			return nil
		}
		if p.peek() == '}' && inGroup {
			p.advance()
			return nil
		}
		if err := p.directive(prefix); err != nil {
			return err
		}

		// A directive ends at a newline, the end of input or the group's '}'.
		p.skipSpace(false)
		if !p.eof() && p.peek() != '\n' && !(inGroup && p.peek() == '}') {
			return p.errorf("unexpected %q after value", p.rest())
		}
	}
}

// directive reads `key = value` or `key { ... }`.
func (p *configParser) directive(prefix string) error {
	key, err := p.ident()
	if err != nil {
		return err
	}
	if key == "import" {
		return p.errorf("import is not supported")
	}
	p.skipSpace(true)
	switch p.peek() {
	case '=':
		p.advance()
		p.skipSpace(true)
		full := prefix + key
		val, err := p.value(full, prefix)
		if err != nil {
			return err
		}
		p.vals[full] = val
		return nil
	case '{':
		p.advance()
		return p.directives(prefix+key+".", true)
	}
	return p.errorf("expected '=' after %q", key)
}

// ident reads a key: letters, digits, '_' and '-', in dot-separated parts that each start
// with a letter.
func (p *configParser) ident() (string, error) {
	start := p.pos
	for {
		if p.eof() || !configIsLetter(p.peek()) {
			return "", p.errorf("expected a key, found %q", p.rest())
		}
		for !p.eof() && (configIsLetter(p.peek()) || configIsDigit(p.peek()) ||
			p.peek() == '_' || p.peek() == '-') {
			p.advance()
		}
		if p.peek() != '.' {
			return p.src[start:p.pos], nil
		}
		p.advance()
	}
}

// value reads a quoted string, a number or a boolean as text.
func (p *configParser) value(key, prefix string) (string, error) {
	c := p.peek()
	switch {
	case c == '"':
		return p.str(prefix)
	case configIsDigit(c) || c == '-' || c == '+' || c == '.':
		start := p.pos
		for !p.eof() && strings.IndexByte("0123456789+-.eE", p.peek()) >= 0 {
			p.advance()
		}
		num := p.src[start:p.pos]
		if _, err := strconv.ParseFloat(num, 64); err != nil {
			return "", p.errorf("%s: bad number %q", key, num)
		}
		return num, nil
	case configIsLetter(c):
		start := p.pos
		for !p.eof() && configIsLetter(p.peek()) {
			p.advance()
		}
		switch word := strings.ToLower(p.src[start:p.pos]); word {
		case "true", "on":
			return "true", nil
		case "false", "off":
			return "false", nil
		}
	case c == '[':
		return "", p.errorf("%s: lists are not supported", key)
	}
	return "", p.errorf("%s: value must be a quoted string, a number, or true/false", key)
}

// str reads a double-quoted string, then resolves escapes and interpolation.
func (p *configParser) str(prefix string) (string, error) {
	startLine := p.line
	p.advance() // opening quote
	var b strings.Builder
	for {
		if p.eof() {
			p.line = startLine
			return "", p.errorf("unterminated string")
		}
		c := p.peek()
		p.advance()
		switch c {
		case '"':
			return p.interpolate(b.String(), prefix, startLine)
		case '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			b.WriteRune(r)
		default:
			b.WriteByte(c)
		}
	}
}

// escape reads what follows a backslash: n, t, r, ", \ or uXXXX (with a surrogate pair).
func (p *configParser) escape() (rune, error) {
	if p.eof() {
		return 0, p.errorf("unterminated string")
	}
	c := p.peek()
	p.advance()
	switch c {
	case 'n':
		return '\n', nil
	case 't':
		return '\t', nil
	case 'r':
		return '\r', nil
	case '"', '\\':
		return rune(c), nil
	case 'u':
		r1, err := p.hex4()
		if err != nil || !utf16.IsSurrogate(r1) {
			return r1, err
		}
		if !strings.HasPrefix(p.src[p.pos:], `\u`) {
			return 0, p.errorf("invalid UTF-16 surrogate in \\u escape")
		}
		p.pos += 2
		r2, err := p.hex4()
		if err != nil {
			return 0, err
		}
		if r := utf16.DecodeRune(r1, r2); r != unicode.ReplacementChar {
			return r, nil
		}
		return 0, p.errorf("invalid UTF-16 surrogate in \\u escape")
	}
	return 0, p.errorf(`unknown escape "\%c" (write a backslash as "\\")`, c)
}

func (p *configParser) hex4() (rune, error) {
	if p.pos+4 > len(p.src) {
		return 0, p.errorf("short \\u escape")
	}
	n, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 32)
	if err != nil {
		return 0, p.errorf("bad \\u escape %q", p.src[p.pos:p.pos+4])
	}
	p.pos += 4
	return rune(n), nil
}

// interpolate replaces `$$` by `$` and `$(NAME)` by an earlier key's value (relative to the
// current group first) or else the environment variable NAME.
func (p *configParser) interpolate(s, prefix string, line int) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		switch {
		case strings.HasPrefix(s, "$"):
			b.WriteByte('$')
			s = s[1:]
		case strings.HasPrefix(s, "("):
			end := strings.IndexByte(s, ')')
			if end <= 1 {
				return fail("\"$(\" must be followed by a name and \")\"")
			}
			name := s[1:end]
			val, ok := p.vals[prefix+name]
			if !ok {
				val, ok = p.vals[name]
			}
			if !ok {
				val, ok = p.lookupEnv(name)
			}
			if !ok {
				return fail("no such variable: %q", name)
			}
			b.WriteString(val)
			s = s[end+1:]
		default:
			return fail("a literal \"$\" must be written \"$$\"")
		}
	}
}

// rest is the text from the current position to the end of the line, for messages.
func (p *configParser) rest() string {
	s := p.src[p.pos:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 20 {
		s = s[:20] + "..."
	}
	return s
}

func configIsLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func configIsDigit(c byte) bool { return c >= '0' && c <= '9' }
