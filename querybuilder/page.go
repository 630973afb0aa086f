package querybuilder

// page returns the offset and limit a read applies (limit -1 for none):
// the intersection of the limit/offset parameters with the Range header,
// as PostgREST combines them, then capped by MaxRows.
func page(q *Query, r *Request) (offset, limit int64) {
	// The query parameters' range starts at lo and holds n rows (n < 0:
	// unbounded); so does the Range header's.
	lo, n := max(q.Offset, 0), q.Limit
	hlo, hn := max(r.RangeOffset, 0), r.RangeLimit

	// Intersect [lo, lo+n) with [hlo, hlo+hn).
	offset = max(lo, hlo)
	limit = -1
	for _, b := range [][2]int64{{lo, n}, {hlo, hn}} {
		if b[1] < 0 {
			continue
		}
		rows := max(b[0]+b[1]-offset, 0)
		if limit < 0 || rows < limit {
			limit = rows
		}
	}

	if r.MaxRows > 0 && (limit < 0 || limit > r.MaxRows) {
		limit = r.MaxRows
	}
	return offset, limit
}
