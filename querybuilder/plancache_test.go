package querybuilder

import (
	"errors"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// samePlan fails t unless the cache's answer equals the builder's: the
// same statement, arguments and flags, or the same error.
func samePlan(t *testing.T, what string, got *Plan, gotErr error, want *Plan, wantErr error) {
	t.Helper()
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%s: cache error %v, builder error %v", what, gotErr, wantErr)
	}
	if wantErr != nil {
		if !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("%s: cache error %v, builder error %v", what, gotErr, wantErr)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: cache built\n%s %#v\nbuilder built\n%s %#v", what, got.SQL, got.Args, want.SQL, want.Args)
	}
}

// holds says whether pc holds a statement (not a refusal) for r's shape.
func (c *PlanCache) holds(r Request) bool {
	sh, ok := readShape(&r)
	if !ok {
		return false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.plans[sh.key] != nil
}

// otherValues returns r with every value the cache cuts out replaced, so
// the request has r's shape but other arguments.
func otherValues(r Request) Request {
	sh, ok := readShape(&r)
	if !ok {
		return r
	}
	if sh.body {
		if body, ok := otherBody(r.Body); ok {
			r.Body = []byte(strings.ReplaceAll(string(body), "rowgate shape check", "other"))
		}
	}
	var b strings.Builder
	last := 0
	for i, span := range sh.spans {
		b.WriteString(r.RawQuery[last:span[0]])
		b.WriteString("7" + strings.Repeat("x", i) + "%27%3B")
		last = span[1]
	}
	r.RawQuery = b.String() + r.RawQuery[last:]
	return r
}

// Every golden read, built through the cache a first time (a miss), a
// second time (a hit) and with other values in its slots (a hit), matches
// what the builder makes of the same request.
func TestPlanCacheAgreesWithBuilder(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	pc := NewPlanCache(DefaultPlanCacheSize)
	hits := 0
	for group, cases := range goldenGroups {
		for _, c := range cases {
			what := group + "/" + c.name
			for round := range 3 {
				r := c.req
				if round == 2 {
					r = otherValues(r)
				}
				held := pc.holds(r)
				got, gotErr := pc.Build(cat, &r)
				r2 := r
				want, wantErr := Build(cat, &r2)
				samePlan(t, what, got, gotErr, want, wantErr)
				if held {
					hits++
				}
			}
		}
	}
	if hits < 40 {
		t.Fatalf("only %d requests were answered from the cache", hits)
	}
	for _, r := range []Request{req("GET", "posts", "select=id&id=eq.1"),
		with(req("POST", "posts", ""), func(r *Request) { r.Body = []byte(`{"title":"t"}`) })} {
		if _, err := pc.Build(cat, &r); err != nil || !pc.holds(r) {
			t.Fatalf("%s %s %s: not cached (err %v)", r.Method, r.RawQuery, r.Body, err)
		}
	}
}

func TestPlanCacheSharesAShapeAcrossValues(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	pc := NewPlanCache(DefaultPlanCacheSize)
	var sql string
	for i, v := range []string{"1", "2", "a+b", "a%20b", "%E2%82%AC", "eq.3", ""} {
		r := req("GET", "posts", "select=id,title&id=eq."+v+"&order=id")
		p, err := pc.Build(cat, &r)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		want, _ := Build(cat, &r)
		samePlan(t, v, p, nil, want, nil)
		if i > 0 && p.SQL != sql {
			t.Fatalf("value %q changed the statement", v)
		}
		sql = p.SQL
	}
	if n := pc.Len(); n != 1 || !pc.holds(req("GET", "posts", "select=id,title&id=eq.9&order=id")) {
		t.Fatalf("%d shapes cached, want 1 statement", n)
	}
}

func TestPlanCacheShapes(t *testing.T) {
	t.Parallel()
	base := req("GET", "posts", "id=eq.1")
	cases := []struct {
		name string
		a, b Request
		same bool
	}{
		{"other value", base, req("GET", "posts", "id=eq.2"), true},
		{"other operator", base, req("GET", "posts", "id=gt.1"), false},
		{"other column", base, req("GET", "posts", "views=eq.1"), false},
		{"other table", base, req("GET", "pairs", "id=eq.1"), false},
		{"HEAD", base, req("HEAD", "posts", "id=eq.1"), false},
		{"media", base, with(base, func(r *Request) { r.Media = MediaCSV }), false},
		{"count", base, with(base, func(r *Request) { r.Prefer.Count = "exact" }), false},
		{"range", base, with(base, func(r *Request) { r.RangeOffset, r.RangeLimit = 5, 10 }), false},
		{"max rows", base, with(base, func(r *Request) { r.MaxRows = 10 }), false},
		{"strip nulls", base, with(base, func(r *Request) { r.StripNulls = true }), false},
		{"schema", base, with(base, func(r *Request) { r.Schema = "other" }), false},
		{"limit", req("GET", "posts", "limit=1"), req("GET", "posts", "limit=2"), false},
		{"in list", req("GET", "posts", "id=in.(1)"), req("GET", "posts", "id=in.(2)"), false},
		// A column named like a reserved word and a value that is itself a
		// parameter stay apart from real ones.
		{"value holding a parameter", req("GET", "posts", "id=eq.1%26limit%3D1"), req("GET", "posts", "id=eq.1&limit=1"), false},
		{"encoded operator", base, req("GET", "posts", "id=%65q.1"), false},
	}
	for _, c := range cases {
		a, okA := readShape(&c.a)
		b, okB := readShape(&c.b)
		if !okA || !okB {
			t.Fatalf("%s: not a cacheable read", c.name)
		}
		if (a.key == b.key) != c.same {
			t.Errorf("%s: same shape = %v, want %v\n%q\n%q", c.name, a.key == b.key, c.same, a.key, b.key)
		}
	}
	for _, r := range []Request{
		req("POST", "posts", "id=eq.1"),
		with(req("POST", "posts", ""), func(r *Request) { r.Body, r.ContentType = []byte("a,b\n1,2"), "text/csv" }),
		with(req("PATCH", "posts", "id=eq.1"), func(r *Request) { r.Body = []byte(`{"title":"x"}`) }),
		with(base, func(r *Request) { r.Body = []byte("{}") }),
		with(base, func(r *Request) { r.Prefer.Invalid = []string{"x"} }),
	} {
		if _, ok := readShape(&r); ok {
			t.Errorf("%s %q with body %q: cacheable, want built each time", r.Method, r.RawQuery, r.Body)
		}
	}
}

func TestPlanCacheErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	pc := NewPlanCache(DefaultPlanCacheSize)
	for range 2 {
		r := req("GET", "posts", "nope=eq.1")
		_, err := pc.Build(cat, &r)
		var e *Error
		if !errors.As(err, &e) || e.Code != "PGRST204" && e.Code != "42703" {
			t.Fatalf("unknown column: %v", err)
		}
	}
	if n := pc.Len(); n != 0 {
		t.Fatalf("%d shapes cached after errors", n)
	}
}

func TestPlanCacheFollowsTheCatalogAndItsSize(t *testing.T) {
	t.Parallel()
	pc := NewPlanCache(2)
	cat := fixtureCatalog()
	for _, q := range []string{"id=eq.1", "views=eq.1", "title=eq.1"} {
		r := req("GET", "posts", q)
		if _, err := pc.Build(cat, &r); err != nil {
			t.Fatal(err)
		}
		if n := pc.Len(); n > 2 {
			t.Fatalf("%d shapes cached, size 2", n)
		}
	}
	// A reloaded schema cache starts the plan cache afresh: the column
	// list of * comes from the new catalog.
	reloaded := fixtureCatalog()
	posts, _ := reloaded.Table("public", "posts")
	posts.Columns = posts.Columns[:2]
	r := req("GET", "posts", "id=eq.1")
	got, err := pc.Build(reloaded, &r)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Build(reloaded, &r)
	samePlan(t, "after reload", got, nil, want, nil)
	if n := pc.Len(); n != 1 {
		t.Fatalf("%d shapes after a reload, want 1", n)
	}

	off := NewPlanCache(0)
	if _, err := off.Build(cat, &r); err != nil || off.Len() != 0 {
		t.Fatalf("size 0 cached %d shapes (err %v)", off.Len(), err)
	}
}

// FuzzPlanCache checks that any request answered through the cache, after
// a request of the same shape with other values has filled it, is what the
// builder makes of it.
func FuzzPlanCache(f *testing.F) {
	addFuzzSeeds(f)
	cat := fixtureCatalog()
	f.Fuzz(func(t *testing.T, query string, body []byte, method, table uint8, prefer string) {
		s := fuzzSeed{query: query, body: body, method: method, table: table, prefer: prefer}
		r := s.request()
		first := otherValues(r)
		pc := NewPlanCache(4)
		_, _ = pc.Build(cat, &first)
		got, gotErr := pc.Build(cat, &r)
		r2 := r
		want, wantErr := Build(cat, &r2)
		samePlan(t, query, got, gotErr, want, wantErr)
	})
}

// Statements past maxCachedSQL are not kept, and the bytes held stay
// within planCacheBytes however many large shapes arrive.
func TestPlanCacheBoundsItsBytes(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	pc := NewPlanCache(1 << 20)
	items := strings.TrimSuffix(strings.Repeat("created_at,", maxSelectItems), ",")
	r := req("GET", "posts", "select="+items)
	p, err := pc.Build(cat, &r)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.SQL) <= maxCachedSQL {
		t.Fatalf("statement of %d bytes; the test needs one over %d", len(p.SQL), maxCachedSQL)
	}
	if n := pc.Len(); n != 0 {
		t.Fatalf("a %d-byte statement was cached", len(p.SQL))
	}
	resets, last := 0, 0
	for i := range 2000 {
		r := req("GET", "posts", "select="+strings.Repeat("created_at,", 300)+"id&views=eq.1&limit="+strconv.Itoa(i))
		if _, err := pc.Build(cat, &r); err != nil {
			t.Fatal(err)
		}
		pc.mu.RLock()
		held := pc.bytes
		pc.mu.RUnlock()
		if held > planCacheBytes {
			t.Fatalf("%d bytes held, bound %d", held, planCacheBytes)
		}
		if n := pc.Len(); n < last {
			resets++
		}
		last = pc.Len()
	}
	if resets == 0 {
		t.Fatal("the byte bound never emptied the cache; make the statements larger")
	}
}

func TestPlanCacheInsertShapes(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	pc := NewPlanCache(DefaultPlanCacheSize)
	post := func(body string) Request {
		return with(req("POST", "posts", "select=id,title"), func(r *Request) {
			r.Body, r.ContentType = []byte(body), "application/json"
			r.Prefer.Return = "representation"
		})
	}
	bodies := []string{
		`{"title":"a","views":1}`,
		`{"title":"b \u2028 \"q\"","views":12345678901234567890}`,
		`[{"title":"c","views":null}]`,
		`{"title":{"nested":[1,2]},"views":"7"}`,
	}
	for _, body := range bodies {
		r := post(body)
		got, err := pc.Build(cat, &r)
		r2 := post(body)
		want, wantErr := Build(cat, &r2)
		samePlan(t, body, got, err, want, wantErr)
	}
	if n := pc.Len(); n != 1 || !pc.holds(post(bodies[0])) {
		t.Fatalf("%d shapes for inserts of the same keys, want 1 statement", n)
	}
	// Other keys, their order, or several rows make other shapes.
	for _, body := range []string{`{"views":1,"title":"a"}`, `{"title":"a"}`, `[{"title":"a","views":1},{"title":"b","views":2}]`} {
		r := post(body)
		got, err := pc.Build(cat, &r)
		r2 := post(body)
		want, wantErr := Build(cat, &r2)
		samePlan(t, body, got, err, want, wantErr)
	}
	if n := pc.Len(); n != 4 {
		t.Fatalf("%d shapes, want 4", n)
	}
	// A body that is not JSON gets the builder's error every time.
	for range 2 {
		r := post(`{"title":`)
		_, err := pc.Build(cat, &r)
		r2 := post(`{"title":`)
		_, wantErr := Build(cat, &r2)
		samePlan(t, "bad json", nil, err, nil, wantErr)
	}
}

func TestOtherBodyKeepsKeys(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{}`, `[]`, `{"a":1,"b":{"c":[1]},"a":2}`, `[{"x<":null},{"y":true,"x<":"s"}]`} {
		other, ok := otherBody([]byte(body))
		if !ok {
			t.Fatalf("%s: not rewritten", body)
		}
		p, err := jsonPayload([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		q, err := jsonPayload(other)
		if err != nil {
			t.Fatalf("%s → %s: %v", body, other, err)
		}
		if !reflect.DeepEqual(p.keys, q.keys) || p.rows != q.rows {
			t.Fatalf("%s → %s: keys %v/%v rows %d/%d", body, other, p.keys, q.keys, p.rows, q.rows)
		}
	}
	for _, body := range []string{``, `1`, `[1]`, `{"a":`, `[{"a":1},2]`} {
		if _, ok := otherBody([]byte(body)); ok {
			t.Fatalf("%q rewritten", body)
		}
	}
}

// Shapes made of long query strings cannot make the cache hold more than
// its byte bound: a padding parameter makes every request a new shape.
func TestPlanCacheLongKeysStayBounded(t *testing.T) {
	cat := fixtureCatalog()
	pc := NewPlanCache(DefaultPlanCacheSize)
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	pad := strings.Repeat("x", 50<<10)
	for i := range DefaultPlanCacheSize {
		r := req("GET", "posts", "select=id,title&id=eq.1&pad"+strconv.Itoa(i)+"="+pad)
		if _, err := pc.Build(cat, &r); err != nil {
			t.Fatal(err)
		}
	}
	grown := int64(heap()) - int64(before)
	if grown > 2*planCacheBytes {
		t.Fatalf("heap grew by %d MiB for a cache bounded at %d MiB", grown>>20, planCacheBytes>>20)
	}
	runtime.KeepAlive(pc)
}

// One shape larger than a sixteenth of the byte bound is never kept.
func TestPlanCacheSkipsHugeShapes(t *testing.T) {
	t.Parallel()
	cat := fixtureCatalog()
	pc := NewPlanCache(DefaultPlanCacheSize)
	r := req("GET", "posts", "select=id&id=eq.1&pad="+strings.Repeat("x", planCacheBytes/16))
	if _, err := pc.Build(cat, &r); err != nil {
		t.Fatal(err)
	}
	if pc.Len() != 0 {
		t.Fatal("a shape over a sixteenth of the cache was kept")
	}
}
