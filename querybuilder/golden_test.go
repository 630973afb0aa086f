package querybuilder

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the generated SQL")

// TestGolden compares the SQL of every case with testdata/<group>.golden.
func TestGolden(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	for group, cases := range goldenGroups {
		t.Run(group, func(t *testing.T) {
			t.Parallel()
			got := renderGolden(t, cat, cases)
			checkGolden(t, filepath.Join("testdata", group+".golden"), got)
		})
	}
}

// checkGolden compares got with the golden file at path, or rewrites the
// file with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the generated SQL (run go test -update and review the diff):\n%s",
			path, firstDiff(got, string(want)))
	}
}

// renderGolden builds every case and prints its request, SQL and arguments.
func renderGolden(t *testing.T, cat *catalog.Catalog, cases []buildCase) string {
	t.Helper()
	var b strings.Builder
	for _, c := range cases {
		plan := mustBuild(t, cat, c)
		args, err := json.Marshal(plan.Args)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "-- %s: %s /%s?%s", c.name, c.req.Method, c.req.Resource, c.req.RawQuery)
		if len(c.req.Body) > 0 {
			fmt.Fprintf(&b, " body=%s", c.req.Body)
		}
		fmt.Fprintf(&b, "\n%s\n-- args: %s\n-- location=%v max_affected=%d\n\n",
			plan.SQL, args, plan.Location, plan.MaxAffected)
	}
	return b.String()
}

// mustBuild builds a case that must succeed.
func mustBuild(t *testing.T, cat *catalog.Catalog, c buildCase) *Plan {
	t.Helper()
	r := c.req
	plan, err := Build(cat, &r)
	if err != nil {
		t.Fatalf("%s: Build: %v", c.name, err)
	}
	return plan
}

// firstDiff shows the first differing line of two texts.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return ""
}
