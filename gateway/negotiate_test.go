package gateway

import (
	"net/http/httptest"
	"testing"

	"github.com/rowgate/rowgate/querybuilder"
)

func TestNegotiate(t *testing.T) {
	cases := []struct {
		accept string
		want   querybuilder.Media
		strip  bool
		err    string
	}{
		{"", querybuilder.MediaJSON, false, ""},
		{"*/*", querybuilder.MediaJSON, false, ""},
		{"application/json", querybuilder.MediaJSON, false, ""},
		{"application/vnd.pgrst.object+json", querybuilder.MediaObject, false, ""},
		{"application/vnd.pgrst.object+json;nulls=stripped", querybuilder.MediaObject, true, ""},
		{"application/vnd.pgrst.array+json;nulls=stripped", querybuilder.MediaJSON, true, ""},
		{"text/csv", querybuilder.MediaCSV, false, ""},
		{"image/png, text/csv;q=0.5", querybuilder.MediaCSV, false, ""},
		{"text/csv;q=0.2, application/json;q=0.9", querybuilder.MediaJSON, false, ""},
		{"image/png", 0, false, "PGRST107"},
		{"application/json;q=0", 0, false, "PGRST107"},
	}
	for _, c := range cases {
		got, err := negotiate(c.accept)
		if c.err != "" {
			if ae, ok := err.(*apiError); !ok || ae.Code != c.err || ae.Status != 406 {
				t.Errorf("negotiate(%q) error = %v, want %s", c.accept, err, c.err)
			}
			continue
		}
		if err != nil || got.media != c.want || got.stripNulls != c.strip {
			t.Errorf("negotiate(%q) = %+v, %v; want media %v strip %v", c.accept, got, err, c.want, c.strip)
		}
	}
}

func TestParseRange(t *testing.T) {
	cases := []struct {
		method, rng   string
		offset, limit int64
		wantErr       bool
	}{
		{"GET", "", 0, -1, false},
		{"GET", "0-9", 0, 10, false},
		{"GET", "items=5-", 5, -1, false},
		{"GET", "10-19", 10, 10, false},
		{"GET", "9-3", 0, 0, true},
		{"GET", "abc", 0, -1, false},
		{"POST", "0-9", 0, -1, false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "/x", nil)
		if c.rng != "" {
			r.Header.Set("Range", c.rng)
		}
		off, lim, err := parseRange(r)
		if (err != nil) != c.wantErr || (!c.wantErr && (off != c.offset || lim != c.limit)) {
			t.Errorf("%s Range %q = %d,%d,%v; want %d,%d err %v", c.method, c.rng, off, lim, err, c.offset, c.limit, c.wantErr)
		}
	}
}
