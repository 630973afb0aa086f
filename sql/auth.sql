-- Schema auth: who is asking, read from the transaction-local setting
-- request.jwt.claims that rowgate sets for every request.
--
-- The functions are plain SQL and STABLE so the planner can inline them into
-- Row-Level Security policies. Write policies as owner = (SELECT auth.uid())
-- to have the value computed once per statement instead of once per row.
--
-- They read the same setting PostgREST fills, so policies written for
-- Supabase or for Neon's pg_session_jwt (fallback mode) keep working.

CREATE SCHEMA IF NOT EXISTS auth;

COMMENT ON SCHEMA auth IS 'rowgate: identity of the current request';

-- auth.jwt returns every claim of the request's token, or an empty object
-- when the setting is unset or empty (a session outside rowgate).
CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    NULLIF(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb,
    '{}'::jsonb)
$$;

COMMENT ON FUNCTION auth.jwt() IS 'rowgate: all JWT claims of the request';

-- auth.user_id returns the sub claim as text, whatever its shape (Clerk,
-- Auth0 and others use subjects that are not uuids).
CREATE OR REPLACE FUNCTION auth.user_id() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT auth.jwt() ->> 'sub'
$$;

COMMENT ON FUNCTION auth.user_id() IS 'rowgate: the sub claim as text';

-- auth.uid returns the sub claim as a uuid, or NULL when it is missing or is
-- not a uuid. It never raises: the pattern only admits strings uuid's input
-- function accepts.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$
  SELECT CASE
    WHEN auth.user_id() ~ '^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$'
    THEN auth.user_id()::uuid
  END
$$;

COMMENT ON FUNCTION auth.uid() IS 'rowgate: the sub claim as uuid, NULL if it is not one';

-- auth.role returns the role claim.
CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT auth.jwt() ->> 'role'
$$;

COMMENT ON FUNCTION auth.role() IS 'rowgate: the role claim';
