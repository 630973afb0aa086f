package auth

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/gateway"
	"github.com/rowgate/rowgate/jwks"
	"github.com/rowgate/rowgate/querybuilder/catalog"
	"github.com/rowgate/rowgate/rls"
	pgsql "github.com/rowgate/rowgate/sql"
)

// requestLogSQL is an audit trigger of the kind that must not keep
// usable session tokens, and a function that shows what SQL sees.
const requestLogSQL = `
CREATE TABLE public.things (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE public.request_log (headers text, cookies text, uid uuid);
CREATE FUNCTION public.log_request() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  INSERT INTO public.request_log VALUES (current_setting('request.headers', true),
    current_setting('request.cookies', true), auth.uid());
  RETURN NEW;
END $$;
CREATE TRIGGER things_log AFTER INSERT ON public.things
  FOR EACH ROW EXECUTE FUNCTION public.log_request();
GRANT SELECT, INSERT ON public.things TO authenticated;
GRANT USAGE ON SEQUENCE public.things_id_seq TO authenticated;
CREATE FUNCTION public.request_context() RETURNS json LANGUAGE sql STABLE AS $$
  SELECT json_build_object('headers', current_setting('request.headers', true)::json,
    'cookies', current_setting('request.cookies', true)::json, 'uid', auth.uid())
$$;
`

// TestSessionCookieNotPublishedToSQL sends the session cookie to the Data
// API, which acts as the user, and checks that neither request.cookies
// nor request.headers (its Cookie header) shows the token to SQL.
func TestSessionCookieNotPublishedToSQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, nil)
	if _, err := e.db.Admin(t).Exec(ctx, requestLogSQL); err != nil {
		t.Fatal(err)
	}
	user := e.signUp(t, e.browser(t), "rhea@example.com", "long enough")
	token, _ := user["token"].(string)
	uid, _ := user["user"].(map[string]any)["id"].(string)
	if token == "" || uid == "" {
		t.Fatalf("sign-up answer %v", user)
	}
	api := newDataAPI(t, e)

	// Both cookie names, beside cookies SQL should still see.
	for _, name := range []string{cookieName, secureCookieName} {
		cookie := "theme=dark; " + name + "=" + token + "; lang=en"
		status, body := send(t, "POST", api.URL+"/rpc/request_context", cookie, "{}")
		if status != http.StatusOK || !strings.Contains(body, uid) {
			t.Fatalf("%s: the cookie did not act as the user: %d %s", name, status, body)
		}
		if strings.Contains(body, token) || strings.Contains(body, name) {
			t.Errorf("%s: SQL saw the session cookie: %s", name, body)
		}
		if !strings.Contains(body, `"theme"`) || !strings.Contains(body, "lang=en") {
			t.Errorf("%s: other cookies are missing: %s", name, body)
		}

		status, body = send(t, "POST", api.URL+"/things", cookie, `{"name":"lamp"}`)
		if status != http.StatusCreated {
			t.Fatalf("%s: insert: %d %s", name, status, body)
		}
	}

	// What the audit trigger stored.
	rows, err := e.db.Admin(t).Query(ctx, `SELECT headers, cookies, uid::text FROM public.request_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var headers, cookies, who string
		if err := rows.Scan(&headers, &cookies, &who); err != nil {
			t.Fatal(err)
		}
		n++
		if who != uid || !strings.Contains(headers, "theme=dark") || !strings.Contains(cookies, "lang") {
			t.Errorf("logged %s %s %s", headers, cookies, who)
		}
		if strings.Contains(headers+cookies, token) {
			t.Errorf("the audit log holds the session token: %s %s", headers, cookies)
		}
	}
	if err := rows.Err(); err != nil || n != 2 {
		t.Errorf("%d logged rows, err %v", n, err)
	}
}

// TestSessionCookiesKnownToGateway ties the gateway's list of session
// cookies to the names this service sets.
func TestSessionCookiesKnownToGateway(t *testing.T) {
	t.Parallel()
	for _, name := range []string{cookieName, secureCookieName} {
		if !gateway.IsSessionCookie(name) {
			t.Errorf("the gateway would publish %s to SQL", name)
		}
	}
}

// newDataAPI serves the gateway over e's database with e's service as
// its session authenticator and token provider.
func newDataAPI(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	cat, err := pgsql.LoadCatalog(ctx, e.pool, []string{"public"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwks.New(ctx, jwks.Config{
		Providers:  []jwks.Provider{e.svc.Provider()},
		HTTPClient: &http.Client{Transport: e.svc.Transport(nil)},
		AnonRole:   "anon",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	srv := gateway.New(gateway.Options{
		Auth:     v,
		DB:       rls.NewRunner(e.pool),
		Catalog:  func() *catalog.Catalog { return cat },
		Sessions: e.svc,
		Routes:   []gateway.RouteSet{e.svc},
	})
	api := httptest.NewServer(srv)
	t.Cleanup(api.Close)
	return api
}

// send makes one request with a Cookie header and a JSON body.
func send(t *testing.T, method, url, cookie, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
