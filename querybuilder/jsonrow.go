package querybuilder

// Output names become JSON keys. Usually they are the column aliases of
// the subquery a row comes from, and row_to_json or json_agg turns the row
// into an object. PostgreSQL cuts an alias longer than 63 bytes (with only
// a NOTICE) and refuses an empty one, so two long aliases that share their
// first 63 bytes would come out as one repeated, shortened key. When a
// relation has such a name, its columns are named positionally instead
// (see selectList) and its objects are built with json_build_object from
// keys bound as values, which keeps every name exact.

// maxAliasBytes is PostgreSQL's identifier length (NAMEDATALEN - 1).
const maxAliasBytes = 63

// maxObjectPairs is how many key/value pairs one json_build_object call
// takes: a function has at most 100 arguments.
const maxObjectPairs = 50

// namesFit reports whether every output name of cols survives as a column
// alias.
func namesFit(cols []outCol) bool {
	for _, c := range cols {
		if c.name == "" || len(c.name) > maxAliasBytes {
			return false
		}
	}
	return true
}

// rowObject is the JSON object of a row of the subquery row, whose columns
// are cols: row_to_json(row.*), or when the names do not fit, an object
// built from the positional columns. The star matters: a bare row name
// means a column of the row when one has that name.
func rowObject(row string, cols []outCol) frag {
	if namesFit(cols) {
		return rawf("row_to_json(" + row + ".*)")
	}
	return objectSQL(row, cols)
}

// rowElement is what json_agg aggregates to make an array of the rows of
// row: the whole row (row.*, as in rowObject), or the object of rowObject
// when the names do not fit.
func rowElement(row string, cols []outCol) frag {
	if namesFit(cols) {
		return rawf(row + ".*")
	}
	return objectSQL(row, cols)
}

// objectSQL builds the object of a row of row from its positional columns
// (pgrst_c1, ...) and the output names of cols, bound as values. Past
// maxObjectPairs columns it builds one object per run of columns and joins
// their texts: the objects are never empty, so dropping the closing brace
// of one and the opening brace of the next leaves one valid object with
// every key, in order, duplicates included.
func objectSQL(row string, cols []outCol) frag {
	var parts []frag
	for start := 0; start < len(cols) || start == 0; start += maxObjectPairs {
		end := min(start+maxObjectPairs, len(cols))
		pairs := make([]frag, 0, end-start)
		for i := start; i < end; i++ {
			pairs = append(pairs, argf("?::text, "+row+"."+positionalName(i), cols[i].name))
		}
		parts = append(parts, joinFrags(pairs, ", ").wrap("json_build_object(", ")"))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	for i := range parts {
		text := parts[i].wrap("", "::text")
		switch i {
		case 0:
			parts[i] = text.wrap("left(", ", -1)")
		case len(parts) - 1:
			parts[i] = text.wrap("substr(", ", 2)")
		default:
			parts[i] = text.wrap("substr(left(", ", -1), 2)")
		}
	}
	return joinFrags(parts, " || ', ' || ").wrap("(", ")::json")
}
