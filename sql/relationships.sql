-- What rowgate needs to learn the relationships between relations, as one
-- JSON object:
--
--   relations     every table, view, materialized view, foreign table and
--                 partitioned table outside the system schemas, with its
--                 column names by attribute number
--   foreign_keys  every foreign key between those relations
--   keys          their primary keys and unique constraints
--   views         the query tree of every view and materialized view, from
--                 which the loader traces view columns to base columns
--
-- Relations are identified by oid and columns by attribute number; the
-- loader resolves the names. Schemas are not limited to the exposed ones,
-- because an exposed view may select from a table in a private schema.
WITH rel AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%'
    AND n.nspname NOT LIKE 'pg\_temp\_%'
)
SELECT json_build_object(
  'relations', (
    SELECT coalesce(json_agg(json_build_object(
      'oid', rel.oid::int8,
      'schema', rel.nspname,
      'name', rel.relname,
      'is_view', rel.relkind IN ('v', 'm'),
      'columns', (
        SELECT coalesce(json_object_agg(a.attnum, a.attname), '{}')
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
      )
    )), '[]')
    FROM rel
  ),
  'foreign_keys', (
    SELECT coalesce(json_agg(json_build_object(
      'name', con.conname,
      'table', con.conrelid::int8,
      'columns', con.conkey,
      'foreign', con.confrelid::int8,
      'foreign_columns', con.confkey
    ) ORDER BY con.conrelid, con.conname), '[]')
    FROM pg_catalog.pg_constraint con
    WHERE con.contype = 'f'
      AND con.conrelid IN (SELECT oid FROM rel)
      AND con.confrelid IN (SELECT oid FROM rel)
      -- A foreign key on a partitioned table is repeated on every
      -- partition with a parent constraint; the parent's is enough.
      AND con.conparentid = 0
  ),
  'keys', (
    SELECT coalesce(json_agg(json_build_object(
      'table', con.conrelid::int8,
      'columns', con.conkey
    )), '[]')
    FROM pg_catalog.pg_constraint con
    WHERE con.contype IN ('p', 'u')
      AND con.conrelid IN (SELECT oid FROM rel)
  ),
  'views', (
    SELECT coalesce(json_agg(json_build_object(
      'oid', rel.oid::int8,
      'definition', r.ev_action::text
    )), '[]')
    FROM rel
    JOIN pg_catalog.pg_rewrite r ON r.ev_class = rel.oid AND r.rulename = '_RETURN'
    WHERE rel.relkind IN ('v', 'm')
  )
)::text
