-- The schema catalog: every table, view, materialized view, foreign table
-- and partitioned table of the schemas in $1, as one JSON array.
--
-- Writability comes from pg_relation_is_updatable (with INSTEAD OF triggers
-- counted), whose bits are 4 = UPDATE, 8 = INSERT, 16 = DELETE. Plain and
-- partitioned tables are always writable. A foreign table whose wrapper has
-- no handler is not asked, because the function raises for it.
SELECT coalesce(json_agg(rel ORDER BY rel.schema, rel.name), '[]')::text
FROM (
  SELECT
    n.nspname AS schema,
    c.relname AS name,
    c.relkind IN ('v', 'm') AS is_view,
    pg_catalog.obj_description(c.oid, 'pg_class') AS comment,
    (u.bits & 8) = 8 AS insertable,
    (u.bits & 4) = 4 AS updatable,
    (u.bits & 16) = 16 AS deletable,
    (
      SELECT coalesce(json_agg(json_build_object(
        'name', a.attname,
        'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
        'nullable', NOT a.attnotnull,
        -- A generated column's expression is not a default.
        'default', CASE WHEN a.attgenerated = ''
                        THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END,
        'comment', pg_catalog.col_description(c.oid, a.attnum)
      ) ORDER BY a.attnum), '[]')
      FROM pg_catalog.pg_attribute a
      LEFT JOIN pg_catalog.pg_attrdef d
        ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    ) AS columns,
    (
      SELECT coalesce(json_agg(a.attname ORDER BY k.ord), '[]')
      FROM pg_catalog.pg_constraint con
      CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_catalog.pg_attribute a
        ON a.attrelid = con.conrelid AND a.attnum = k.attnum
      WHERE con.conrelid = c.oid AND con.contype = 'p'
    ) AS primary_key
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (
    SELECT CASE
      WHEN c.relkind IN ('r', 'p') THEN 28
      WHEN c.relkind = 'f' AND NOT EXISTS (
        SELECT FROM pg_catalog.pg_foreign_table ft
        JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver
        JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
        WHERE ft.ftrelid = c.oid AND w.fdwhandler <> 0
      ) THEN 0
      ELSE pg_catalog.pg_relation_is_updatable(c.oid, true)
    END AS bits
  ) AS u
  WHERE n.nspname = ANY ($1::text[])
    AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
) AS rel
