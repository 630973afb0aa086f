package querybuilder

// buildCase is one request for the golden and PostgreSQL parse tests.
type buildCase struct {
	name string
	req  Request
}

// req is a GET of posts with the query q.
func req(method, resource, q string) Request {
	return Request{Method: method, Resource: resource, RawQuery: q, RangeLimit: -1}
}

// with returns r changed by fn.
func with(r Request, fn func(*Request)) Request {
	fn(&r)
	return r
}

// goldenGroups are the cases of each testdata/<group>.golden file. Every
// case builds successfully; together they are also the fuzz seed corpus.
var goldenGroups = map[string][]buildCase{
	"select": {
		{"star", req("GET", "posts", "")},
		{"columns_alias_cast", req("GET", "posts", "select=id,t:title,price::text,views::double%20precision")},
		{"json_paths", req("GET", "posts", "select=id,data->a->>b,first:data->arr->0,meta->k,data->arr->-1::int")},
		{"star_and_columns", req("GET", "posts", "select=*,t:title")},
		{"quoted_names", req("GET", `odd "name?`, `select="k?",x:"v\"q"&"k?"=eq.1`)},
		{"view", req("GET", "post_titles", "select=title&id=lt.3")},
		{"head", req("HEAD", "posts", "select=id")},
		{"object", with(req("GET", "posts", "id=eq.1"), func(r *Request) { r.Media = MediaObject })},
		{"csv", with(req("GET", "posts", "select=id,title,tags&order=id"), func(r *Request) { r.Media = MediaCSV })},
		{"count_exact", with(req("GET", "posts", "select=id&views=gt.1&limit=1"), func(r *Request) { r.Prefer.Count = "exact" })},
		{"count_planned", with(req("GET", "posts", "select=id"), func(r *Request) { r.Prefer.Count = "planned" })},
		{"count_estimated", with(req("GET", "posts", "select=id"), func(r *Request) {
			r.Prefer.Count, r.MaxRows = "estimated", 100
		})},
		{"aggregates", with(req("GET", "posts", "select=mood,data->>a,n:views.sum()::text,count()&order=data->>a"),
			func(r *Request) { r.AggregatesEnabled, r.Prefer.Count = true, "exact" })},
	},
	"filters": {
		{"eq", req("GET", "posts", "select=id&id=eq.1")},
		{"neq", req("GET", "posts", "select=id&id=neq.1")},
		{"gt_gte_lt_lte", req("GET", "posts", "select=id&id=gt.1&id=gte.1&views=lt.5&created_at=lte.2030-01-01")},
		{"like_ilike", req("GET", "posts", "select=id&title=like.*post&body=ilike.THE*")},
		{"match_imatch", req("GET", "posts", "select=id&title=match.^h&body=imatch.FOX$")},
		{"in", req("GET", "posts", `select=id&id=in.(1,2,3)&title=in.("a,b","c\"d",e)`)},
		{"in_empty", req("GET", "posts", "select=id&id=in.()")},
		{"is", req("GET", "posts", "select=id&views=is.null&published=is.true&data=not.is.null&body=is.not_null&published=is.unknown&published=not.is.false&uid=is.null")},
		{"isdistinct", req("GET", "posts", "select=id&published=isdistinct.true")},
		{"fts", req("GET", "posts", "select=id&search=fts.fox&body=fts(english).quick")},
		{"plfts_phfts_wfts", req("GET", "posts", "select=id&body=plfts.a%20b&body=phfts(english).a%20b&search=wfts(simple).a%20-b")},
		{"array_ops", req("GET", "posts", "select=id&tags=cs.{a}&tags=cd.{a,b,c}&tags=ov.{c}")},
		{"jsonb_contains", req("GET", "posts", `select=id&data=cs.{"n":1}&data=cd.{"n":1,"a":2}`)},
		{"range_ops", req("GET", "posts", "select=id&span=sl.[6,7)&span=sr.[0,1)&span=nxr.[0,6)&span=nxl.[0,6)&span=adj.[5,6)&span=ov.[2,3)")},
		{"not", req("GET", "posts", "select=id&id=not.eq.1&title=not.like.x*&tags=not.cs.{a}")},
		{"any_all", req("GET", "posts", "select=id&id=eq(any).{1,2}&title=like(any).{a*,b*}&title=ilike(all).{*o*,*l*}&views=gt(all).{1,2}")},
		{"json_path_filters", req("GET", "posts", "select=id&data->a->>b=eq.x&data->n=eq.1&data->arr->0=gt.0&meta->>k=eq.v&meta->k=eq.%22v%22")},
		{"typed_enum_uuid", req("GET", "posts", "select=id&mood=eq.happy&uid=eq.11111111-1111-1111-1111-111111111111&price=gte.1.5")},
	},
	"logic": {
		{"or", req("GET", "posts", "select=id&or=(id.eq.1,views.gt.15)")},
		{"and", req("GET", "posts", "select=id&and=(tags.cs.{a},id.gt.0)")},
		{"not_or", req("GET", "posts", "select=id&not.or=(id.eq.1,id.eq.2)")},
		{"nested", req("GET", "posts", "select=id&or=(id.eq.3,and(views.gt.5,published.is.true,or(title.like.h*,not.and(id.eq.9,id.eq.8))))")},
		{"quoted_values", req("GET", "posts", `select=id&or=(title.eq."Third, \"quoted\"",id.in.(1,"2"),body.fts(english).fox)`)},
		{"with_filters", req("GET", "posts", "select=id&id=gt.0&or=(data->>n.eq.1,mood.eq(any).{sad,ok})&and=(id.lt.10)")},
	},
	"order": {
		{"directions", req("GET", "posts", "select=id&order=views.desc.nullslast,id,title.asc,body.nullsfirst")},
		{"json_path", req("GET", "posts", "select=id&order=data->n.desc,data->>a.asc.nullsfirst")},
		{"limit_offset", req("GET", "posts", "select=id&order=id&limit=2&offset=1")},
		{"range_header", with(req("GET", "posts", "select=id&order=id"), func(r *Request) { r.RangeOffset, r.RangeLimit = 1, 2 })},
		{"range_and_limit", with(req("GET", "posts", "select=id&order=id&limit=5&offset=1"), func(r *Request) { r.RangeOffset, r.RangeLimit = 0, 3 })},
		{"max_rows", with(req("GET", "posts", "select=id&order=id&limit=50"), func(r *Request) { r.MaxRows = 10 })},
	},
	"writes": {
		{"insert_object", with(req("POST", "posts", ""), func(r *Request) {
			r.Body = []byte(`{"title":"t","price":12345678901234567890.1234567890}`)
		})},
		{"insert_representation_ordered", with(req("POST", "posts", "select=id,title&order=title.desc,data->>k.asc.nullsfirst"), func(r *Request) {
			r.Body = []byte(`[{"title":"a"},{"title":"b"}]`)
			r.Prefer.Return = "representation"
		})},
		{"insert_array_representation", with(req("POST", "posts", "select=id,title"), func(r *Request) {
			r.Body = []byte(`[{"title":"a"},{"title":"b","views":2}]`)
			r.Prefer.Return = "representation"
		})},
		{"insert_missing_default", with(req("POST", "posts", ""), func(r *Request) {
			r.Body = []byte(`[{"title":"a"},{"views":2}]`)
			r.Prefer.Missing = "default"
		})},
		{"insert_columns", with(req("POST", "posts", "columns=title,views"), func(r *Request) {
			r.Body = []byte(`[{"title":"a","ignored":1}]`)
		})},
		{"insert_empty_object", with(req("POST", "posts", ""), func(r *Request) { r.Body = []byte(`{}`) })},
		{"insert_headers_only", with(req("POST", "posts", ""), func(r *Request) {
			r.Body = []byte(`{"title":"a"}`)
			r.Prefer.Return = "headers-only"
		})},
		{"insert_csv", with(req("POST", "posts", ""), func(r *Request) {
			r.ContentType = "text/csv"
			r.Body = []byte("title,views\nx,1\ny,NULL\n")
		})},
		{"upsert_merge", with(req("POST", "posts", ""), func(r *Request) {
			r.Body = []byte(`[{"id":1,"title":"a"}]`)
			r.Prefer.Resolution = "merge-duplicates"
		})},
		{"put_representation", with(req("PUT", "pairs", "a=eq.1&b=eq.x"), func(r *Request) {
			r.Body = []byte(`{"a":1,"b":"x","note":"n"}`)
			r.Prefer.Return = "representation"
		})},
		{"upsert_ignore_on_conflict", with(req("POST", "pairs", "on_conflict=a,b"), func(r *Request) {
			r.Body = []byte(`[{"a":1,"b":"x","note":"n"}]`)
			r.Prefer.Resolution = "ignore-duplicates"
		})},
		{"insert_count", with(req("POST", "posts", ""), func(r *Request) {
			r.Body = []byte(`{"title":"a"}`)
			r.Prefer.Count = "exact"
		})},
		{"update", with(req("PATCH", "posts", "id=eq.1"), func(r *Request) {
			r.Body = []byte(`{"title":"new","tags":["x"],"data":{"a":1}}`)
		})},
		{"update_representation_csv", with(req("PATCH", "posts", "select=id,title&id=gt.1"), func(r *Request) {
			r.Body = []byte(`{"title":"new"}`)
			r.Prefer.Return = "representation"
			r.Media = MediaCSV
		})},
		{"update_empty", with(req("PATCH", "posts", "id=eq.1"), func(r *Request) { r.Body = []byte(`{}`) })},
		{"update_limit", with(req("PATCH", "posts", "views=gt.0&order=id.desc&limit=1"), func(r *Request) {
			r.Body = []byte(`{"views":0}`)
		})},
		{"update_max_affected", with(req("PATCH", "posts", "views=gt.0"), func(r *Request) {
			r.Body = []byte(`{"views":0}`)
			r.Prefer.Handling, r.Prefer.MaxAffected = "strict", 1
		})},
		{"delete", with(req("DELETE", "posts", "id=eq.3&or=(views.is.null,views.lt.0)"), func(r *Request) {
			r.Prefer.Return = "representation"
		})},
		{"delete_all_max_affected", with(req("DELETE", "pairs", ""), func(r *Request) {
			r.Prefer.Handling, r.Prefer.MaxAffected = "strict", 0
		})},
		{"put", with(req("PUT", "pairs", "a=eq.1&b=eq.x"), func(r *Request) {
			r.Body = []byte(`{"a":1,"b":"x","note":"n"}`)
			r.Prefer.Return = "representation"
		})},
		{"odd_names", with(req("POST", `odd "name?`, ""), func(r *Request) {
			r.Body = []byte(`{"k?":1,"v\"q":"x?"}`)
			r.Prefer.Return = "headers-only"
		})},
	},
}
