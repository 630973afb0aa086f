-- Role helpers for Setup.
--
-- Roles are shared by every database of the cluster, so another session may
-- create the same role at the same moment (a second Setup in another
-- database, or a test run in parallel). Each helper checks first, then
-- creates, and treats "already exists" raised by a racing session
-- (duplicate_object, or unique_violation from the catalog index) as success.
--
-- The helpers live in the session's temporary schema: they take role names
-- and passwords as bound parameters, vanish when the session ends, and leave
-- nothing behind in the database.

CREATE OR REPLACE FUNCTION pg_temp.rowgate_ensure_role(
  role_name text, can_login boolean, inherit boolean
) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
    RETURN false;
  END IF;
  EXECUTE pg_catalog.format('CREATE ROLE %I %s %s', role_name,
    CASE WHEN can_login THEN 'LOGIN' ELSE 'NOLOGIN' END,
    CASE WHEN inherit THEN 'INHERIT' ELSE 'NOINHERIT' END);
  RETURN true;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN
    RETURN false;
END
$$;

CREATE OR REPLACE FUNCTION pg_temp.rowgate_set_password(
  role_name text, pass text
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE pg_catalog.format('ALTER ROLE %I PASSWORD %L', role_name, pass);
END
$$;

CREATE OR REPLACE FUNCTION pg_temp.rowgate_grant_membership(
  granted_role text, member_role text
) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT FROM pg_catalog.pg_auth_members m
    WHERE m.roleid = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = granted_role)
      AND m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = member_role)
  ) THEN
    RETURN false;
  END IF;
  EXECUTE pg_catalog.format('GRANT %I TO %I', granted_role, member_role);
  RETURN true;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN
    RETURN false;
END
$$;

-- rowgate_grant_auth lets role_name call the functions of schema auth.
CREATE OR REPLACE FUNCTION pg_temp.rowgate_grant_auth(role_name text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA auth TO %I', role_name);
  EXECUTE pg_catalog.format(
    'GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO %I', role_name);
END
$$;
