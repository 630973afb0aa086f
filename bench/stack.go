package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/rowgate/rowgate/rls"
	pgsql "github.com/rowgate/rowgate/sql"
)

// The stack reference is the least a gateway on rowgate's libraries can
// do: echo routes the request, jwx verifies the token (once per token,
// then from a map), and the floor's transaction runs on the same runner;
// its statements were built when it started, so it parses no query
// string, negotiates nothing and writes the body as the database sent it.
// It has none of rowgate's features, so rowgate's distance to it is what
// those features cost, and its own share of the floor is what HTTP and
// JWT cost on this machine. It runs in a process of its own, like
// rowgate: the benchmark binary started again with stackEnv set.

// stackEnv holds the stack reference's settings (a stackConfig in JSON).
const stackEnv = "ROWGATE_BENCH_STACK"

type stackConfig struct {
	DBURI    string `json:"db_uri"`
	JWKSURL  string `json:"jwks_url"`
	Audience string `json:"audience"`
	Pool     int    `json:"pool"`
	Port     int    `json:"port"`
}

// stackStmt is a statement prepared for one request target.
type stackStmt struct {
	sql      string
	args     []any
	readOnly bool
	status   int
}

// stackIdentity is what a verified token gives.
type stackIdentity struct {
	role   string
	claims []byte
}

type stackServer struct {
	cfg    stackConfig
	keys   jwk.Set
	runner *rls.Runner
	stmts  map[string]stackStmt
	tokens sync.Map // token → *stackIdentity
}

// serveStackIfAsked runs the stack reference and exits when the process
// was started as one.
func serveStackIfAsked() {
	raw := os.Getenv(stackEnv)
	if raw == "" {
		return
	}
	var cfg stackConfig
	err := json.Unmarshal([]byte(raw), &cfg)
	if err == nil {
		err = serveStack(context.Background(), cfg)
	}
	fmt.Fprintln(os.Stderr, "stack reference:", err)
	os.Exit(1)
}

func serveStack(ctx context.Context, cfg stackConfig) error {
	pool, err := floorPool(ctx, cfg.DBURI, cfg.Pool)
	if err != nil {
		return err
	}
	cat, err := pgsql.LoadCatalog(ctx, pool, []string{"public"})
	if err != nil {
		return err
	}
	keys, err := jwk.Fetch(ctx, cfg.JWKSURL)
	if err != nil {
		return err
	}
	st := &stackServer{cfg: cfg, keys: keys, runner: rls.NewRunner(pool), stmts: map[string]stackStmt{}}
	for _, s := range scenarios {
		for n := range numUsers {
			target := s.target(n)
			sql, args, readOnly, err := floorStatement(cat, builderRequest(s, target))
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			status := http.StatusOK
			if s.name == "insert" {
				status = http.StatusCreated
			}
			st.stmts[s.method+" "+target] = stackStmt{sql: sql, args: args, readOnly: readOnly, status: status}
		}
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/ready", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.Any("/*", st.handle)
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(cfg.Port))
	if err != nil {
		return err
	}
	return http.Serve(l, e)
}

func (st *stackServer) handle(c echo.Context) error {
	req := c.Request()
	token, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return c.NoContent(http.StatusUnauthorized)
	}
	id, err := st.identify(token)
	if err != nil {
		return c.String(http.StatusUnauthorized, err.Error())
	}
	stmt, ok := st.stmts[req.Method+" "+req.RequestURI]
	if !ok {
		return c.NoContent(http.StatusNotFound)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return err
	}
	env := &rls.Env{
		Role:       id.role,
		Claims:     id.claims,
		Method:     req.Method,
		Path:       req.URL.Path,
		Headers:    wrkHeaders(req.Host, token, string(body)),
		Cookies:    []byte("{}"),
		SearchPath: []string{"public", "public"},
		ReadOnly:   stmt.readOnly,
	}
	res, err := st.runner.Run(req.Context(), env, stmt.sql, stmt.args)
	if err != nil {
		return c.String(http.StatusInternalServerError, err.Error())
	}
	if res.Body == nil {
		return c.NoContent(stmt.status)
	}
	return c.Blob(stmt.status, "application/json", res.Body)
}

// identify verifies token the first time it is seen and remembers it.
func (st *stackServer) identify(token string) (*stackIdentity, error) {
	if id, ok := st.tokens.Load(token); ok {
		return id.(*stackIdentity), nil
	}
	tok, err := jwt.Parse([]byte(token), jwt.WithKeySet(st.keys, jws.WithInferAlgorithmFromKey(true)),
		jwt.WithAudience(st.cfg.Audience))
	if err != nil {
		return nil, err
	}
	role, _ := tok.PrivateClaims()["role"].(string)
	if role == "" {
		return nil, errors.New("token without a role")
	}
	claims, err := tokenClaims(token)
	if err != nil {
		return nil, err
	}
	id := &stackIdentity{role: role, claims: claims}
	st.tokens.Store(token, id)
	return id, nil
}

// startStack starts the stack reference with pool connections.
func (b *bench) startStack(pool int) (*gatewayProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cfg, err := json.Marshal(stackConfig{
		DBURI: b.db.apiURI, JWKSURL: b.jwks.URL, Audience: benchAudience,
		Pool: pool, Port: port,
	})
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), stackEnv+"="+string(cfg))
	cmd.Env = append(cmd.Env, b.o.gatewayEnv...)
	return startProc(cmd, base, port, base+"/ready")
}
