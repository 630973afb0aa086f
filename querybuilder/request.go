// Package querybuilder turns a PostgREST-style HTTP request (path, query
// string, Prefer header and body) into one SQL statement with bound
// arguments. Identifiers come only from the catalog and are quoted; values
// from the request are always bound parameters.
//
// Every statement Build returns yields exactly one row with five columns:
//
//	page_total        bigint  rows in body
//	total_result_set  bigint  total count when asked for, else -1
//	body              text    the response body (JSON or CSV), NULL for none
//	response_headers  text    current_setting('response.headers', true)
//	response_status   text    current_setting('response.status', true), or
//	                          when that is unset the status the statement
//	                          decided itself (upserts: 200 when nothing
//	                          was inserted; PUT: 201 inserted, 200 replaced)
package querybuilder

// Media is the representation the client asked for in Accept.
type Media int

const (
	// MediaJSON is application/json: a JSON array of rows.
	MediaJSON Media = iota
	// MediaObject is application/vnd.pgrst.object+json: the single row as
	// an object. The body holds the first row; the caller checks
	// page_total == 1.
	MediaObject
	// MediaCSV is text/csv.
	MediaCSV
)

// Request is everything about an HTTP request that shapes its SQL.
type Request struct {
	// Method is GET, HEAD, POST, PATCH, PUT or DELETE.
	Method string
	// Schema is the schema chosen by profile headers, already checked
	// against the exposed schemas.
	Schema string
	// Resource is the table or view name from the path.
	Resource string
	// RawQuery is the URL query string, still percent-encoded.
	RawQuery string
	// Prefer holds the parsed Prefer header.
	Prefer Prefer
	// ContentType is the request body's media type without parameters.
	ContentType string
	// Body is the request body.
	Body []byte
	// Media is the response representation.
	Media Media
	// StripNulls drops keys whose value is null from JSON rows (the
	// nulls=stripped parameter of PostgREST's array and object media).
	StripNulls bool
	// RangeOffset and RangeLimit come from a Range header (items unit);
	// RangeLimit is -1 when open-ended or absent.
	RangeOffset int64
	RangeLimit  int64
	// MaxRows caps every result (db-max-rows); 0 means no cap.
	MaxRows int64
	// AggregatesEnabled allows count(), sum(), avg(), min() and max() in
	// select (db-aggregates-enabled); without it they answer PGRST123.
	AggregatesEnabled bool
}

// Plan is a built statement.
type Plan struct {
	SQL  string
	Args []any
	// ReadOnly is true when the statement changes nothing.
	ReadOnly bool
	// Offset is the offset the statement applied, for Content-Range.
	Offset int64
	// Location is true for an insert with Prefer: return=headers-only on a
	// table with a primary key: the body column then holds a JSON array of
	// one object per inserted row with its primary-key values, such as
	// [{"id":34}], from which the gateway builds Location: /t?id=eq.34.
	Location bool
	// MaxAffected is the max-affected preference the statement enforces
	// (PATCH and DELETE with handling=strict), or -1. The statement itself
	// fails with SQLSTATE 22P02 and a message containing "PGRST124" when
	// more rows are affected, so the transaction rolls back; the gateway
	// maps that error to PGRST124 (400).
	MaxAffected int64
}
