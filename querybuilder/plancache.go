package querybuilder

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/rowgate/rowgate/querybuilder/catalog"
)

// PlanCache remembers the statements built for reads and inserts, so that
// a request shaped like one seen before skips parsing and building: only
// its values are read from it.
//
// A request's shape is its query string with the values of its plain
// comparisons (eq, neq, gt, gte, lt, lte on a column of the resource) cut
// out, plus everything else that shapes the statement: method, schema,
// resource, content type, preferences, media type, range and limits, and
// for an insert with a JSON body the body's keys in order and whether it
// holds one row or several. /items?id=eq.1 and /items?id=eq.2 share a
// shape; their statement is the same and the value is its bound argument,
// as is the body of an insert.
//
// A shape is cached only after it proves value-blind: built again with
// other values in its slots, the statement must be the same, bind the new
// values where the first bound the old ones, and bind the same constants
// everywhere else. A shape that fails the check is remembered as such and
// always built afresh. Errors are never cached. The cache belongs to one
// schema cache (a reload starts it empty) and holds at most its size of
// shapes and planCacheBytes of keys, statements and arguments; when full
// it starts over. Statements longer than maxCachedSQL are always built
// afresh. A request that fails in the database still leaves its shape
// behind (the statement is built before it runs); the bounds hold anyway.
type PlanCache struct {
	mu    sync.RWMutex
	cat   *catalog.Catalog
	plans map[string]*cachedPlan
	bytes int
	size  int
}

const (
	// planCacheBytes bounds the keys, statements and constant arguments a
	// PlanCache holds.
	planCacheBytes = 16 << 20
	// maxCachedSQL is the longest statement a PlanCache keeps.
	maxCachedSQL = 32 << 10
)

// cachedPlan is a statement whose arguments are constants except for the
// slots, filled from each request; nil in the map marks a shape that
// cannot be cached.
type cachedPlan struct {
	plan Plan
	// slotAt[k] is the index in plan.Args of the k-th cut-out value.
	slotAt []int
}

// DefaultPlanCacheSize is the number of shapes a PlanCache keeps.
const DefaultPlanCacheSize = 1024

// NewPlanCache returns a cache of up to size shapes; size 0 or less makes a
// cache that never keeps anything.
func NewPlanCache(size int) *PlanCache {
	return &PlanCache{size: size}
}

// Build is [Build] through the cache.
func (c *PlanCache) Build(cat *catalog.Catalog, r *Request) (*Plan, error) {
	if c == nil || c.size <= 0 {
		return Build(cat, r)
	}
	sh, ok := readShape(r)
	if !ok {
		return Build(cat, r)
	}
	c.mu.RLock()
	cp, known := c.plans[sh.key]
	fresh := c.cat == cat
	c.mu.RUnlock()
	if fresh && known {
		if cp == nil || len(cp.slotAt) != len(sh.values) {
			return Build(cat, r)
		}
		return cp.instance(sh.values), nil
	}

	p, err := build(cat, r)
	if err != nil {
		return nil, err
	}
	if len(p.SQL) <= maxCachedSQL {
		c.store(cat, sh.key, checkShape(cat, r, sh, p))
	}
	return p, nil
}

// instance is the cached statement with values in its slots.
func (cp *cachedPlan) instance(values []string) *Plan {
	p := cp.plan
	if len(cp.plan.Args) == 0 {
		return &p
	}
	p.Args = make([]any, len(cp.plan.Args))
	copy(p.Args, cp.plan.Args)
	for k, at := range cp.slotAt {
		p.Args[at] = values[k]
	}
	return &p
}

func (c *PlanCache) store(cat *catalog.Catalog, key string, cp *cachedPlan) {
	size := len(key)
	if cp != nil {
		size += len(cp.plan.SQL) + 8*len(cp.slotAt)
		for _, a := range cp.plan.Args {
			size += 16 // the interface
			if s, ok := a.(string); ok {
				size += len(s)
			}
		}
	}
	if size > planCacheBytes/16 {
		return // one shape may not take a sixteenth of the cache
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cat != cat || c.plans == nil || len(c.plans) >= c.size || c.bytes+size > planCacheBytes {
		c.cat = cat
		c.plans = make(map[string]*cachedPlan, min(c.size, 64))
		c.bytes = 0
	}
	if _, dup := c.plans[key]; !dup {
		c.bytes += size
	}
	c.plans[key] = cp
}

// Len is the number of shapes held, for tests and metrics.
func (c *PlanCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.plans)
}

// shape is a request's cache key and the values cut out of its query
// string, with where they sit in it.
type shape struct {
	key    string
	values []string
	// spans are the byte ranges of the query string's values in it.
	spans [][2]int
	// body is set when the last value is the body (normalized to a JSON
	// array), which an insert binds whole.
	body bool
}

// slotOperators are the operators whose value is bound as it is, with the
// column's type, and changes nothing else in the statement.
var slotOperators = [...]string{"eq.", "neq.", "gt.", "gte.", "lt.", "lte."}

// slotKeys are the reserved names that never hold a filter value.
var slotReserved = map[string]bool{
	"select": true, "columns": true, "on_conflict": true, "order": true,
	"limit": true, "offset": true, "and": true, "or": true,
}

// readShape computes r's shape; ok is false for requests the cache does
// not take: anything but a read or an insert with a JSON body.
func readShape(r *Request) (sh shape, ok bool) {
	switch {
	case len(r.Prefer.Invalid) > 0:
		return sh, false
	case r.Method == "GET" || r.Method == "HEAD":
		if len(r.Body) > 0 {
			return sh, false
		}
	case r.Method == "POST":
		if !jsonContentType(r.ContentType) || len(r.Body) == 0 {
			return sh, false
		}
	default:
		return sh, false
	}
	var b strings.Builder
	b.Grow(len(r.RawQuery) + len(r.Resource) + len(r.Schema) + 64)
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	num := func(n int64) {
		b.WriteString(strconv.FormatInt(n, 10))
		b.WriteByte(';')
	}
	field(r.Method)
	field(r.Schema)
	field(r.Resource)
	field(r.ContentType)
	p := r.Prefer
	for _, s := range [...]string{p.Return, p.Count, p.Resolution, p.Missing, p.Handling, p.Tx, p.Params, p.Timezone} {
		field(s)
	}
	num(p.MaxAffected)
	num(int64(r.Media))
	num(r.RangeOffset)
	num(r.RangeLimit)
	num(r.MaxRows)
	flags := int64(0)
	if r.StripNulls {
		flags |= 1
	}
	if r.AggregatesEnabled {
		flags |= 2
	}
	num(flags)

	raw := r.RawQuery
	for start := 0; start <= len(raw); {
		end := strings.IndexByte(raw[start:], '&')
		if end < 0 {
			end = len(raw)
		} else {
			end += start
		}
		part := raw[start:end]
		if op, key, vs, ok := slotParam(part); ok {
			value, err := url.QueryUnescape(part[vs:])
			if err != nil {
				return sh, false
			}
			b.WriteByte('$')
			field(key)
			field(op)
			sh.values = append(sh.values, value)
			sh.spans = append(sh.spans, [2]int{start + vs, end})
		} else {
			b.WriteByte('=')
			field(part)
		}
		start = end + 1
	}
	if r.Method == "POST" {
		// An insert's statement depends on the body's keys; the body
		// itself, normalized to an array, is one bound argument.
		p, err := jsonPayload(r.Body)
		if err != nil {
			return sh, false
		}
		b.WriteString("body")
		for _, k := range p.keys {
			field(k)
		}
		num(int64(min(p.rows, 2)))
		sh.values = append(sh.values, p.json)
		sh.body = true
	}
	sh.key = b.String()
	return sh, true
}

// jsonContentType says whether a body of type ct is read as JSON.
func jsonContentType(ct string) bool {
	switch ct {
	case "", "application/json", "application/vnd.pgrst.object+json", "application/vnd.pgrst.array+json":
		return true
	}
	return false
}

// slotParam says whether the raw key=value part is a plain comparison on a
// column of the resource, and returns its decoded key, its operator and
// where its value starts in part. Only parts whose key and operator are
// written without percent-encoding qualify; others are shaped verbatim.
func slotParam(part string) (op, key string, valueStart int, ok bool) {
	k, v, found := strings.Cut(part, "=")
	if !found || k == "" || strings.ContainsAny(k, "%+.") || slotReserved[k] {
		return "", "", 0, false
	}
	for _, o := range slotOperators {
		if strings.HasPrefix(v, o) {
			return o, k, len(k) + 1 + len(o), true
		}
	}
	return "", "", 0, false
}

// checkShape decides whether p, built for r, may serve every request of
// r's shape, and returns the cache entry (nil when it may not): built again
// with other values in the slots, the statement must be the same, bind the
// new values where p bound the old ones, and bind the same constants
// everywhere else.
func checkShape(cat *catalog.Catalog, r *Request, sh shape, p *Plan) *cachedPlan {
	p2 := p
	others := sh.values
	if len(sh.values) > 0 {
		r2, vals, ok := otherRequest(r, sh)
		if !ok {
			return nil
		}
		var err *Error
		if p2, err = build(cat, r2); err != nil {
			return nil
		}
		others = vals
	}
	if p2.SQL != p.SQL || len(p2.Args) != len(p.Args) || p2.ReadOnly != p.ReadOnly ||
		p2.Offset != p.Offset || p2.Location != p.Location || p2.MaxAffected != p.MaxAffected {
		return nil
	}
	cp := &cachedPlan{plan: *p, slotAt: make([]int, len(sh.values))}
	for k := range cp.slotAt {
		cp.slotAt[k] = -1
	}
	if len(p.Args) > 0 {
		cp.plan.Args = make([]any, len(p.Args))
	}
	for i, a := range p.Args {
		if k := slotOf(p2.Args[i], others); k >= 0 && cp.slotAt[k] < 0 && a == any(sh.values[k]) {
			cp.slotAt[k] = i
			continue
		}
		if !scalar(a) || a != p2.Args[i] {
			return nil
		}
		cp.plan.Args[i] = a
	}
	for _, at := range cp.slotAt {
		if at < 0 {
			return nil
		}
	}
	return cp
}

// slotOf is the index of the string a among others, or -1.
func slotOf(a any, others []string) int {
	s, ok := a.(string)
	if !ok {
		return -1
	}
	for k, o := range others {
		if o == s {
			return k
		}
	}
	return -1
}

// otherRequest is r with other values in the slots of its shape, and those
// values as the builder binds them.
func otherRequest(r *Request, sh shape) (*Request, []string, bool) {
	others := make([]string, len(sh.values))
	var q strings.Builder
	last := 0
	for i, span := range sh.spans {
		others[i] = "rowgate shape check " + strconv.Itoa(i) + " " + sh.values[i]
		q.WriteString(r.RawQuery[last:span[0]])
		q.WriteString(url.QueryEscape(others[i]))
		last = span[1]
	}
	q.WriteString(r.RawQuery[last:])
	r2 := *r
	r2.RawQuery = q.String()
	if sh.body {
		body, ok := otherBody(r.Body)
		if !ok {
			return nil, nil, false
		}
		p, err := jsonPayload(body)
		if err != nil {
			return nil, nil, false
		}
		r2.Body = body
		others[len(others)-1] = p.json
	}
	return &r2, others, true
}

// otherBody rewrites a JSON body, an object or an array of objects, with
// every member's value replaced by a distinct string: the same keys in the
// same order in the same number of objects.
func otherBody(body []byte) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var out bytes.Buffer
	n := 0
	object := func() bool {
		out.WriteByte('{')
		for i := 0; dec.More(); i++ {
			tok, err := dec.Token()
			key, ok := tok.(string)
			var skip json.RawMessage
			if err != nil || !ok || dec.Decode(&skip) != nil {
				return false
			}
			if i > 0 {
				out.WriteByte(',')
			}
			k, _ := json.Marshal(key)
			v, _ := json.Marshal("rowgate shape check " + strconv.Itoa(n))
			n++
			out.Write(k)
			out.WriteByte(':')
			out.Write(v)
		}
		_, err := dec.Token()
		out.WriteByte('}')
		return err == nil
	}
	tok, err := dec.Token()
	switch {
	case err != nil:
		return nil, false
	case tok == json.Delim('{'):
		if !object() {
			return nil, false
		}
	case tok == json.Delim('['):
		out.WriteByte('[')
		for i := 0; dec.More(); i++ {
			if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
				return nil, false
			}
			if i > 0 {
				out.WriteByte(',')
			}
			if !object() {
				return nil, false
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, false
		}
		out.WriteByte(']')
	default:
		return nil, false
	}
	return out.Bytes(), true
}

// scalar says whether a is an argument of a comparable, immutable kind
// that a cached statement may share between requests.
func scalar(a any) bool {
	switch a.(type) {
	case nil, string, bool, int, int32, int64, float64:
		return true
	}
	return false
}
