package main

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// configTestEnv is a fixed environment for interpolation tests.
func configTestEnv(name string) (string, bool) {
	env := map[string]string{"HOME": "/home/u", "PASS": "p@ss", "EMPTY": ""}
	v, ok := env[name]
	return v, ok
}

func TestConfigParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"empty", "", map[string]string{}},
		{"comments and blanks", "# top\n\n  # indented\n\ndb-pool = 5 # trailing\n",
			map[string]string{"db-pool": "5"}},
		{"quoted string", `db-uri = "postgres://u@h/db"`, map[string]string{"db-uri": "postgres://u@h/db"}},
		{"hash inside string", `db-anon-role = "a#b"`, map[string]string{"db-anon-role": "a#b"}},
		{"escapes", `k = "q\" b\\ n\n t\t e\u00e9 s\ud83d\ude00"`,
			map[string]string{"k": "q\" b\\ n\n t\t e\u00e9 s\U0001F600"}},
		{"numbers", "a = 10\nb = -3\nc = 1.5\nd = 1e3",
			map[string]string{"a": "10", "b": "-3", "c": "1.5", "d": "1e3"}},
		{"booleans", "a = true\nb = false\nc = on\nd = off\ne = False",
			map[string]string{"a": "true", "b": "false", "c": "true", "d": "false", "e": "false"}},
		{"dotted keys", `app.settings.jwt_exp = 3600` + "\n" + `app.settings.name = "x"`,
			map[string]string{"app.settings.jwt_exp": "3600", "app.settings.name": "x"}},
		{"no spaces", `server-port=3001`, map[string]string{"server-port": "3001"}},
		{"later wins", "a = 1\na = 2", map[string]string{"a": "2"}},
		{"crlf", "a = 1\r\nb = \"x\"\r\n", map[string]string{"a": "1", "b": "x"}},
		{"multi-line string", "a = \"x\ny\"\nb = 2", map[string]string{"a": "x\ny", "b": "2"}},
		{"env interpolation", `db-uri = "postgres://u:$(PASS)@h$(EMPTY)/db"`,
			map[string]string{"db-uri": "postgres://u:p@ss@h/db"}},
		{"dollar escape", `jwt-role-claim-key = "$$.role"`, map[string]string{"jwt-role-claim-key": "$.role"}},
		{"key interpolation", "base = \"/srv\"\nlog = \"$(base)/log and $(HOME)\"",
			map[string]string{"base": "/srv", "log": "/srv/log and /home/u"}},
		{"group", "app.settings {\n  a = \"1\" # c\n  b = 2\n}\nc = 3",
			map[string]string{"app.settings.a": "1", "app.settings.b": "2", "c": "3"}},
		{"one-line group", `g { a = 1 }`, map[string]string{"g.a": "1"}},
		{"group-relative interpolation", "g {\n x = \"1\"\n y = \"$(x)\"\n}",
			map[string]string{"g.x": "1", "g.y": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := configParse(strings.NewReader(tt.in), configTestEnv)
			if err != nil {
				t.Fatalf("configParse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string // substring of the error
	}{
		{"missing equals", "db-pool 5", "line 1: expected '=' after \"db-pool\""},
		{"missing value", "db-pool =", "db-pool: value must be"},
		{"bare word", "db-anon-role = anon", "db-anon-role: value must be a quoted string"},
		{"unterminated string", "a = 1\nb = \"abc", "line 2: unterminated string"},
		{"unknown escape", `a = "C:\dir"`, `unknown escape "\d"`},
		{"bad unicode escape", `a = "\u12"`, `\u escape`},
		{"lone dollar", `a = "x$y"`, `"$" must be written "$$"`},
		{"unknown variable", "\n\na = \"$(NOPE)\"", `line 3: no such variable: "NOPE"`},
		{"unclosed interpolation", `a = "$(HOME"`, `"$(" must be followed`},
		{"empty interpolation", `a = "$()"`, `"$(" must be followed`},
		{"list", "a = [1, 2]", "a: lists are not supported"},
		{"import", `import "x.conf"`, "import is not supported"},
		{"junk after value", `a = "x" y`, `unexpected "y"`},
		{"two bindings on a line", `a = 1 b = 2`, `unexpected "b = 2"`},
		{"bad key", "1abc = 2", "expected a key"},
		{"key ends with dot", "a. = 2", "expected a key"},
		{"bad number", "a = 1-2", `a: bad number "1-2"`},
		{"unclosed group", "g {\n a = 1\n", `missing '}' to close group "g"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := configParse(strings.NewReader(tt.in), configTestEnv)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// writeConfigFile writes a config file into a fresh folder and returns its path.
func writeConfigFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rowgate.conf")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustLoadConfig loads a config and fails the test on error.
func mustLoadConfig(t *testing.T, path string, environ ...string) Config {
	t.Helper()
	c, err := loadConfig(path, environ)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	return c
}

func TestLoadConfigDefaults(t *testing.T) {
	t.Parallel()
	got := mustLoadConfig(t, "")
	want := defaultConfig()
	want.AdminServerHost = "!4"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if err := want.validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestLoadConfigFileAndEnv(t *testing.T) {
	t.Parallel()
	path := writeConfigFile(t, `
db-uri = "postgres://file@127.0.0.1/db"
db-schemas = " api , v2,"
db-anon-role = "web_anon"
db-pool = 3
db-pool-acquisition-timeout = 7
db-pipeline-window = 3
db-max-rows = 100
db-extra-search-path = ""
db-pre-request = "api.check"
db-tx-end = "rollback-allow-override"
db-aggregates-enabled = true
db-channel = "other"
db-channel-enabled = false
jwt-secret = "file-secret-file-secret-file-secret"
jwt-aud = "https://aud.example"
jwt-role-claim-key = "$$.user.role"
jwt-cache-max-entries = 0
server-host = "*6"
server-port = 3001
admin-server-port = 3002
server-cors-allowed-origins = "https://a.example, https://b.example"
server-timing-enabled = true
log-level = "info"
openapi-mode = "disabled"
jwt-jwks-url = "https://auth.example/jwks"
jwt-default-role = "authenticated"
jwt-iss = "https://auth.example"
dev-mode = true
log-format = "json"
server-shutdown-timeout = 5
server-max-body-bytes = 1000
app.settings.name = "file"
app.settings.only_file = 1
db-prepared-statements = false
no-such-key = "x"
`)
	got := mustLoadConfig(t, path,
		"PGRST_DB_URI=postgres://env@127.0.0.1/db",
		"PGRST_SERVER_PORT=4000",
		"PGRST_APP_SETTINGS_NAME=env",
		"PGRST_APP_SETTINGS_Only_Env=yes",
		"ROWGATE_JWT_ISS=https://env-issuer.example",
		"ROWGATE_DEV_MODE=false",
		"ROWGATE_TEST_DATABASE_URL=ignored",
		"PGRST_NOT_A_KEY=1",
		"PGRST_JWT_JWKS_URL=https://wrong-prefix.example",
		"PGRST_SERVER_UNIX_SOCKET=/tmp/s",
		"HOME=/root",
	)

	want := Config{
		DBURI:                    "postgres://env@127.0.0.1/db",
		DBSchemas:                []string{"api", "v2"},
		DBAnonRole:               "web_anon",
		DBPool:                   3,
		DBPoolAcquisitionTimeout: 7 * time.Second,
		DBPipelineWindow:         3 * time.Millisecond,
		DBMaxRows:                100,
		DBExtraSearchPath:        nil,
		DBPreRequest:             "api.check",
		DBTxEnd:                  "rollback-allow-override",
		DBAggregatesEnabled:      true,
		DBChannel:                "other",
		DBChannelEnabled:         false,
		DBPreparedStatements:     false,
		JWTSecret:                "file-secret-file-secret-file-secret",
		JWTAud:                   "https://aud.example",
		JWTRoleClaimKey:          "$.user.role",
		JWTCacheMaxEntries:       0,
		ServerHost:               "*6",
		ServerPort:               4000,
		AdminServerHost:          "*6",
		AdminServerPort:          3002,
		ServerCORSAllowedOrigins: []string{"https://a.example", "https://b.example"},
		ServerTimingEnabled:      true,
		LogLevel:                 "info",
		OpenAPIMode:              "disabled",
		JWTJWKSURL:               "https://auth.example/jwks",
		JWTDefaultRole:           "authenticated",
		JWTIssuer:                "https://env-issuer.example",
		JWTLeeway:                30 * time.Second,
		DevMode:                  false,
		LogFormat:                "json",
		ServerShutdownTimeout:    5 * time.Second,
		ServerMaxBodyBytes:       1000,
		AppSettings: map[string]string{
			"app.settings.name":      "env",
			"app.settings.only_file": "1",
			"app.settings.only_env":  "yes",
		},
		unknownKeys: []string{"no-such-key", "PGRST_JWT_JWKS_URL", "PGRST_NOT_A_KEY"},
		ignoredKeys: []string{"PGRST_SERVER_UNIX_SOCKET"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestLoadConfigAliases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		environ []string
		check   func(c Config) bool
	}{
		{"db-schema in file", `db-schema = "api"`, nil,
			func(c Config) bool { return slices.Equal(c.DBSchemas, []string{"api"}) }},
		{"PGRST_DB_SCHEMA", "", []string{"PGRST_DB_SCHEMA=api"},
			func(c Config) bool { return slices.Equal(c.DBSchemas, []string{"api"}) }},
		{"canonical beats alias in one source", "db-schema = \"old\"\ndb-schemas = \"new\"", nil,
			func(c Config) bool { return slices.Equal(c.DBSchemas, []string{"new"}) }},
		{"env alias beats file canonical", `db-schemas = "file"`, []string{"PGRST_DB_SCHEMA=env"},
			func(c Config) bool { return slices.Equal(c.DBSchemas, []string{"env"}) }},
		{"max-rows", "max-rows = 5", nil, func(c Config) bool { return c.DBMaxRows == 5 }},
		{"PGRST_MAX_ROWS", "", []string{"PGRST_MAX_ROWS=6"}, func(c Config) bool { return c.DBMaxRows == 6 }},
		{"pre-request", `pre-request = "f"`, nil, func(c Config) bool { return c.DBPreRequest == "f" }},
		{"role-claim-key", `role-claim-key = ".r"`, nil,
			func(c Config) bool { return c.JWTRoleClaimKey == ".r" }},
		{"secret-is-base64", "secret-is-base64 = true\njwt-secret = \"" +
			base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))) + "\"", nil,
			func(c Config) bool { return c.JWTSecretIsBase64 }},
		{"admin host follows server host", `server-host = "127.0.0.1"`, nil,
			func(c Config) bool { return c.AdminServerHost == "127.0.0.1" }},
		{"admin host set", "server-host = \"127.0.0.1\"\nadmin-server-host = \"::1\"", nil,
			func(c Config) bool { return c.AdminServerHost == "::1" }},
		{"empty env unsets", `db-anon-role = "anon"`, []string{"PGRST_DB_ANON_ROLE="},
			func(c Config) bool { return c.DBAnonRole == "" }},
		{"empty value keeps default", `db-schemas = ""`, nil,
			func(c Config) bool { return slices.Equal(c.DBSchemas, []string{"public"}) }},
		{"bool any case from env", "", []string{"PGRST_SERVER_TIMING_ENABLED=TRUE"},
			func(c Config) bool { return c.ServerTimingEnabled }},
		{"file interpolation reads environ", `db-anon-role = "$(ANON)"`, []string{"ANON=guest"},
			func(c Config) bool { return c.DBAnonRole == "guest" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tt.file != "" {
				path = writeConfigFile(t, tt.file)
			}
			c := mustLoadConfig(t, path, tt.environ...)
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

// configErrorKeys lists the keys named by the configErrors inside err.
func configErrorKeys(err error) []string {
	var keys []string
	var walk func(error)
	walk = func(e error) {
		var ce *configError
		if errors.As(e, &ce) && e == error(ce) {
			keys = append(keys, ce.Key)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
		}
	}
	walk(err)
	return keys
}

func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	longSecret := strings.Repeat("s", 32)
	tests := []struct {
		name    string
		environ []string
		key     string
		msg     string
	}{
		{"pool not a number", []string{"PGRST_DB_POOL=x"}, "db-pool", `must be a positive integer, got "x"`},
		{"pool zero", []string{"PGRST_DB_POOL=0"}, "db-pool", `must be a positive integer, got "0"`},
		{"timeout zero", []string{"PGRST_DB_POOL_ACQUISITION_TIMEOUT=0"}, "db-pool-acquisition-timeout",
			"must be a positive integer"},
		{"max rows negative", []string{"PGRST_DB_MAX_ROWS=-1"}, "db-max-rows", "non-negative"},
		{"cache entries", []string{"PGRST_JWT_CACHE_MAX_ENTRIES=many"}, "jwt-cache-max-entries", "non-negative"},
		{"port not a number", []string{"PGRST_SERVER_PORT=http"}, "server-port", `got "http"`},
		{"port fraction", []string{"PGRST_SERVER_PORT=80.5"}, "server-port", `got "80.5"`},
		{"port out of range", []string{"PGRST_SERVER_PORT=70000"}, "server-port", "between 0 and 65535"},
		{"admin port out of range", []string{"PGRST_ADMIN_SERVER_PORT=-1"}, "admin-server-port",
			"between 0 and 65535"},
		{"admin port equals server port", []string{"PGRST_SERVER_PORT=3000", "PGRST_ADMIN_SERVER_PORT=3000"},
			"admin-server-port", "must differ from server-port"},
		{"bool", []string{"PGRST_SERVER_TIMING_ENABLED=yes"}, "server-timing-enabled", "true or false"},
		{"rowgate bool", []string{"ROWGATE_DEV_MODE=1"}, "dev-mode", "true or false"},
		{"tx end", []string{"PGRST_DB_TX_END=abort"}, "db-tx-end", "must be one of"},
		{"log level", []string{"PGRST_LOG_LEVEL=verbose"}, "log-level", "must be one of"},
		{"openapi mode", []string{"PGRST_OPENAPI_MODE=on"}, "openapi-mode", "must be one of"},
		{"openapi proxy", []string{"PGRST_OPENAPI_SERVER_PROXY_URI=api.example.com/v1"}, "openapi-server-proxy-uri", "absolute http or https URL"},
		{"pg_catalog", []string{"PGRST_DB_SCHEMAS=api,pg_catalog"}, "db-schemas", `"pg_catalog" cannot`},
		{"information_schema", []string{"PGRST_DB_SCHEMA=information_schema"}, "db-schemas",
			`"information_schema" cannot`},
		{"no schema", []string{"PGRST_DB_SCHEMAS= , "}, "db-schemas", "at least one schema"},
		{"channel empty", []string{"PGRST_DB_CHANNEL= "}, "db-channel", "must not be empty"},
		{"short secret", []string{"PGRST_JWT_SECRET=short"}, "jwt-secret", "at least 32 characters"},
		{"bad JSON secret", []string{"PGRST_JWT_SECRET={not json"}, "jwt-secret", "does not parse"},
		{"JSON secret not a key", []string{`PGRST_JWT_SECRET={"a":1}`}, "jwt-secret", "JWK"},
		{"bad base64", []string{"PGRST_JWT_SECRET=" + longSecret + "!!", "PGRST_JWT_SECRET_IS_BASE64=true"},
			"jwt-secret", "not valid base64"},
		{"short after base64", []string{"PGRST_JWT_SECRET=" + longSecret, "PGRST_JWT_SECRET_IS_BASE64=true"},
			"jwt-secret", "at least 32 characters long, got 24"},
		{"aud not a URI", []string{"PGRST_JWT_AUD=://x"}, "jwt-aud", "valid URI"},
		{"negative pipeline window", []string{"ROWGATE_DB_PIPELINE_WINDOW=-1"}, "db-pipeline-window",
			"whole number of milliseconds"},
		{"fractional pipeline window", []string{"ROWGATE_DB_PIPELINE_WINDOW=0.5"}, "db-pipeline-window",
			"whole number of milliseconds"},
		{"jwks url scheme", []string{"ROWGATE_JWT_JWKS_URL=ftp://h/jwks"}, "jwt-jwks-url", "http or https"},
		{"jwks url relative", []string{"ROWGATE_JWT_JWKS_URL=/jwks"}, "jwt-jwks-url", "http or https"},
		{"secret file missing", []string{"PGRST_JWT_SECRET=@/nonexistent/secret"}, "jwt-secret",
			"cannot read file"},
		{"uri file missing", []string{"PGRST_DB_URI=@/nonexistent/uri"}, "db-uri", "cannot read file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig("", tt.environ)
			if err == nil {
				t.Fatal("no error")
			}
			if keys := configErrorKeys(err); !slices.Equal(keys, []string{tt.key}) {
				t.Errorf("error %q names keys %q, want [%s]", err, keys, tt.key)
			}
			if want := tt.key + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not start with %q", err, want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestLoadConfigFileErrors(t *testing.T) {
	t.Parallel()
	t.Run("syntax error names file and line", func(t *testing.T) {
		t.Parallel()
		path := writeConfigFile(t, "db-pool = 5\ndb-uri = oops\n")
		_, err := loadConfig(path, nil)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 2: db-uri") {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("bad value from file names key", func(t *testing.T) {
		t.Parallel()
		path := writeConfigFile(t, "db-pool = \"x\"\nserver-port = 99999\n")
		_, err := loadConfig(path, nil)
		if keys := configErrorKeys(err); !slices.Equal(keys, []string{"db-pool", "server-port"}) {
			t.Fatalf("error %v names keys %q", err, keys)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		if _, err := loadConfig(filepath.Join(t.TempDir(), "none.conf"), nil); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("error = %v, want not-exist", err)
		}
	})
}

func TestLoadConfigReadsFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secretPath := filepath.Join(dir, "secret")
	uriPath := filepath.Join(dir, "uri")
	secret := strings.Repeat("x", 40)
	if err := os.WriteFile(secretPath, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(uriPath, []byte("  postgres://u@127.0.0.1/db \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := mustLoadConfig(t, "", "PGRST_JWT_SECRET=@"+secretPath, "PGRST_DB_URI=@"+uriPath)
	if c.JWTSecret != secret {
		t.Errorf("JWTSecret = %q, want %q", c.JWTSecret, secret)
	}
	if c.DBURI != "postgres://u@127.0.0.1/db" {
		t.Errorf("DBURI = %q", c.DBURI)
	}
}

func TestValidateSecret(t *testing.T) {
	t.Parallel()
	raw := []byte(strings.Repeat("k", 32))
	tests := []struct {
		name   string
		secret string
		base64 bool
		ok     bool
	}{
		{"32 chars", string(raw), false, true},
		{"31 chars", string(raw[:31]), false, false},
		{"JWKS", `{"keys":[{"kty":"oct","k":"` + base64.RawURLEncoding.EncodeToString(raw) + `"}]}`, false, true},
		{"JWK", ` {"kty":"RSA","n":"AQAB","e":"AQAB"}`, false, true},
		{"std base64", base64.StdEncoding.EncodeToString(raw), true, true},
		{"url base64 unpadded", base64.RawURLEncoding.EncodeToString(append(raw, 0xfb, 0xff)), true, true},
		{"base64 of 31 bytes", base64.StdEncoding.EncodeToString(raw[:31]), true, false},
		{"none", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := defaultConfig()
			c.JWTSecret, c.JWTSecretIsBase64 = tt.secret, tt.base64
			if err := c.validate(); (err == nil) != tt.ok {
				t.Errorf("validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestListenHost(t *testing.T) {
	t.Parallel()
	tests := []struct{ spec, host, network string }{
		{"*", "", "tcp"},
		{"*4", "0.0.0.0", "tcp"},
		{"!4", "0.0.0.0", "tcp4"},
		{"*6", "::", "tcp"},
		{"!6", "::", "tcp6"},
		{"127.0.0.1", "127.0.0.1", "tcp"},
		{"::1", "::1", "tcp"},
		{"localhost", "localhost", "tcp"},
	}
	for _, tt := range tests {
		if got := listenHost(tt.spec); got != tt.host {
			t.Errorf("listenHost(%q) = %q, want %q", tt.spec, got, tt.host)
		}
		if got := listenNetwork(tt.spec); got != tt.network {
			t.Errorf("listenNetwork(%q) = %q, want %q", tt.spec, got, tt.network)
		}
	}
}
