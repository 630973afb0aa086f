// Package demoapp is the small web page `rowgate demo` serves at /app/: a
// person signs up or in with the built-in auth service and keeps notes
// through the Data API, which knows them by their session cookie alone.
// The page is embedded in the binary.
package demoapp

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// Path is where the page is served.
const Path = "/app/"

//go:embed static
var static embed.FS

// Page serves the demo page. AuthPrefix is the path of the auth routes
// the page calls; "" means "/auth".
type Page struct {
	AuthPrefix string
}

// Register adds the page's routes to e: /app redirects to /app/, and
// /app/* serves the embedded files.
func (p Page) Register(e *echo.Echo) {
	prefix := p.AuthPrefix
	if prefix == "" {
		prefix = "/auth"
	}
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic("demoapp: " + err.Error())
	}
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic("demoapp: " + err.Error())
	}
	page := []byte(strings.ReplaceAll(string(index), "{{AUTH_PREFIX}}", prefix))
	fileServer := http.StripPrefix(strings.TrimSuffix(Path, "/"), http.FileServerFS(files))

	e.GET(strings.TrimSuffix(Path, "/"), func(c echo.Context) error {
		return c.Redirect(http.StatusFound, Path)
	})
	e.Match([]string{http.MethodGet, http.MethodHead}, Path+"*", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy",
			"default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		if c.Param("*") == "" || c.Param("*") == "index.html" {
			return c.HTMLBlob(http.StatusOK, page)
		}
		fileServer.ServeHTTP(c.Response(), c.Request())
		return nil
	})
}
