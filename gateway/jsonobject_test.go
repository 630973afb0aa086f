package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The writers must say what encoding/json says about the same maps.

func TestHeaderObjectMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	cases := []http.Header{
		{},
		{"Authorization": {"Bearer abc.def.ghi"}, "Accept": {"application/json"}},
		{"X-Many": {"a", "b", "c"}, "Content-Type": {"text/plain; charset=utf-8"}},
		{"X-Odd": {"quote \" back \\ tab \t nl \n cr \r bs \b ff \f nul \x00 esc \x1b"}},
		{"X-Html": {"<script>&amp;</script>"}, "X-Unicode": {"héllo ☃ \u2028 \u2029 😀"}},
		{"X-Bad-Utf8": {"a\xffb\xc3"}, "X-Empty": {""}, "X-None": nil},
		{"Z": {"1"}, "A": {"2"}, "M-M": {"3"}, "a-b": {"4"}, "A-C": {"5"}},
	}
	for i, h := range cases {
		m := map[string]string{}
		for k, vs := range h {
			m[strings.ToLower(k)] = strings.Join(vs, ",")
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := headerObject(h); string(got) != string(want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

func TestHeaderObjectFoldsCase(t *testing.T) {
	t.Parallel()
	got := headerObject(http.Header{"X-A": {"1"}, "x-a": {"2"}, "X-B": {"3"}})
	var m map[string]string
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if len(m) != 2 || m["x-b"] != "3" || (m["x-a"] != "1" && m["x-a"] != "2") {
		t.Errorf("headerObject = %s", got)
	}
}

func TestCookieObjectMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	cases := [][]*http.Cookie{
		nil,
		{{Name: "session", Value: "abc"}},
		{{Name: "b", Value: "2"}, {Name: "a", Value: "<1>"}, {Name: "b", Value: "3"}},
	}
	for i, cs := range cases {
		m := map[string]string{}
		for _, c := range cs {
			m[c.Name] = c.Value
		}
		want, _ := json.Marshal(m)
		if got := cookieObject(cs); string(got) != string(want) {
			t.Errorf("case %d: got %s, want %s", i, got, want)
		}
	}
}

// FuzzJSONString holds the hand-written string escaping to encoding/json's.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "Bearer eyJ.abc_-.x", "a\"b\\c<d>e&f", "\x00\x1f\x7f", "é☃\u2028😀", "a\xffb\xc3", "ab\ncd\tef"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s, false); string(got) != string(want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
	})
}
