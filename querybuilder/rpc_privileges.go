package querybuilder

// visibleSQL lists what the current role may use in schema $1: the names
// of the relations on which it holds any of SELECT, INSERT, UPDATE (on the
// table or on some column) or DELETE, the columns of each on which it holds
// any of SELECT, INSERT or UPDATE, and the oids of the functions it may
// EXECUTE; nothing without USAGE on the schema. The body is
// {"tables": [name, ...], "columns": {name: [column, ...], ...},
// "functions": [oid, ...]}.
const visibleSQL = `SELECT 1::bigint AS page_total, -1::bigint AS total_result_set,
json_build_object(
  'tables', (
    SELECT coalesce(json_agg(c.relname ORDER BY c.relname), '[]')
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1::text
      AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
      AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND (pg_catalog.has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE')
           OR pg_catalog.has_table_privilege(c.oid, 'DELETE'))
  ),
  'columns', (
    SELECT coalesce(json_object_agg(v.relname, v.cols), '{}')
    FROM (
      SELECT c.relname, json_agg(a.attname ORDER BY a.attnum) AS cols
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
      WHERE n.nspname = $1::text
        AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
        AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND a.attnum > 0 AND NOT a.attisdropped
        AND pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE')
      GROUP BY c.relname
    ) v
  ),
  'functions', (
    SELECT coalesce(json_agg(p.oid::bigint ORDER BY p.oid), '[]')
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = $1::text
      AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
      AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE')
  )
)::text AS body,
NULL::text AS response_headers, NULL::text AS response_status`

// BuildVisible builds the read-only statement that lists the relations
// and functions of schema that the role running it may use, for an
// OpenAPI document that follows privileges. It has the five-column shape
// of [Build]'s statements; its body is the JSON object visibleSQL
// describes.
func BuildVisible(schema string) *Plan {
	return &Plan{SQL: visibleSQL, Args: []any{schema}, ReadOnly: true, MaxAffected: -1}
}
