-- The functions of the schemas in $1 that can be called as /rpc/name, as
-- one JSON array. Aggregates, window functions and procedures are left out,
-- and so are functions that only triggers or the server itself can call.
--
-- Every argument is listed with its mode (i = in, o = out, b = inout,
-- v = variadic, t = a RETURNS TABLE column). The last pronargdefaults input
-- arguments have defaults. The result columns are the attributes of a row
-- type, or else the out, inout and table arguments of a function returning
-- record.
SELECT coalesce(json_agg(fn ORDER BY fn.schema, fn.name, fn.oid), '[]')::text
FROM (
  SELECT
    n.nspname AS schema,
    p.proname AS name,
    p.oid::bigint AS oid,
    pg_catalog.obj_description(p.oid, 'pg_proc') AS comment,
    pg_catalog.format_type(p.prorettype, NULL) AS return_type,
    p.proretset AS returns_set,
    p.prorettype = 'pg_catalog.void'::pg_catalog.regtype AS returns_void,
    p.provolatile AS volatility,
    (
      SELECT coalesce(json_agg(json_build_object(
        'name', coalesce(a.name, ''),
        'type', pg_catalog.format_type(a.type, NULL),
        'mode', a.mode,
        'has_default', a.input_pos > p.pronargs - p.pronargdefaults
      ) ORDER BY a.pos), '[]')
      FROM (
        SELECT s.pos, s.type, s.mode, p.proargnames[s.pos] AS name,
               count(*) OVER (ORDER BY s.pos) AS input_pos
        FROM (
          SELECT t.pos, t.type, coalesce(p.proargmodes[t.pos], 'i') AS mode
          FROM unnest(coalesce(p.proallargtypes, p.proargtypes::pg_catalog.oid[]))
               WITH ORDINALITY AS t(type, pos)
        ) AS s
        WHERE s.mode IN ('i', 'b', 'v')
      ) AS a
    ) AS args,
    CASE
      WHEN rt.typrelid <> 0 THEN (
        SELECT coalesce(json_agg(json_build_object(
          'name', att.attname,
          'type', pg_catalog.format_type(att.atttypid, att.atttypmod),
          'nullable', NOT att.attnotnull,
          'comment', pg_catalog.col_description(att.attrelid, att.attnum)
        ) ORDER BY att.attnum), '[]')
        FROM pg_catalog.pg_attribute att
        WHERE att.attrelid = rt.typrelid AND att.attnum > 0 AND NOT att.attisdropped
      )
      WHEN p.prorettype = 'pg_catalog.record'::pg_catalog.regtype THEN (
        SELECT coalesce(json_agg(json_build_object(
          'name', coalesce(p.proargnames[o.pos], 'column' || o.pos),
          'type', pg_catalog.format_type(o.type, NULL),
          'nullable', true
        ) ORDER BY o.pos), '[]')
        FROM unnest(p.proallargtypes) WITH ORDINALITY AS o(type, pos)
        WHERE p.proargmodes[o.pos] IN ('o', 'b', 't')
      )
      ELSE '[]'
    END AS columns
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_type rt ON rt.oid = p.prorettype
  WHERE n.nspname = ANY ($1::text[])
    AND p.prokind = 'f'
    AND p.prorettype NOT IN (
      'pg_catalog.trigger'::pg_catalog.regtype,
      'pg_catalog.event_trigger'::pg_catalog.regtype,
      'pg_catalog.internal'::pg_catalog.regtype
    )
    AND NOT 'pg_catalog.internal'::pg_catalog.regtype = ANY (p.proargtypes::pg_catalog.oid[])
) AS fn
