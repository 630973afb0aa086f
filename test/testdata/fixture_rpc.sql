-- Fixture for the RPC, OpenAPI and reload tests: functions in the public
-- schema (all named rpc_*) and a second schema, rpc_extra.

CREATE TABLE rpc_notes (
    id    bigserial PRIMARY KEY,
    owner uuid NOT NULL DEFAULT auth.uid(),
    body  text NOT NULL
);
COMMENT ON TABLE rpc_notes IS 'Notes
One owner each.';
COMMENT ON COLUMN rpc_notes.body IS 'What the note says';
ALTER TABLE rpc_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY rpc_notes_own ON rpc_notes
    USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
GRANT SELECT, INSERT ON rpc_notes TO authenticated;
GRANT USAGE ON SEQUENCE rpc_notes_id_seq TO authenticated;

-- Only the authenticated role may read this one.
CREATE TABLE rpc_members_only (id int PRIMARY KEY);
GRANT SELECT ON rpc_members_only TO authenticated;

CREATE TABLE rpc_log (msg text);
GRANT INSERT ON rpc_log TO anon, authenticated;

CREATE FUNCTION rpc_add(a integer, b integer DEFAULT 10) RETURNS integer
    LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
COMMENT ON FUNCTION rpc_add(integer, integer) IS 'Adds two numbers';
CREATE FUNCTION rpc_over(a integer) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''int''';
CREATE FUNCTION rpc_over(a text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''text''';
CREATE FUNCTION rpc_over(a integer, b integer) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''two''';
CREATE FUNCTION rpc_whoami() RETURNS json LANGUAGE sql STABLE
    AS $$ SELECT json_build_object('uid', auth.uid(), 'role', current_user,
                                   'method', current_setting('request.method', true)) $$;
CREATE FUNCTION rpc_add_note(body text) RETURNS SETOF rpc_notes LANGUAGE sql
    AS 'INSERT INTO rpc_notes (body) VALUES (body) RETURNING *';
CREATE FUNCTION rpc_my_notes() RETURNS SETOF rpc_notes LANGUAGE sql STABLE
    AS 'SELECT * FROM rpc_notes ORDER BY id';
CREATE FUNCTION rpc_series(n integer) RETURNS TABLE (x integer, sq integer)
    LANGUAGE sql IMMUTABLE AS 'SELECT g, g * g FROM generate_series(1, n) g';
CREATE FUNCTION rpc_ints(n integer) RETURNS SETOF integer
    LANGUAGE sql IMMUTABLE AS 'SELECT generate_series(1, n)';
CREATE FUNCTION rpc_pair(a integer, OUT doubled integer, OUT label text)
    LANGUAGE sql IMMUTABLE AS 'SELECT a * 2, ''n'' || a';
CREATE FUNCTION rpc_count(VARIADIC v text[]) RETURNS integer
    LANGUAGE sql IMMUTABLE AS 'SELECT cardinality(v)';
CREATE FUNCTION rpc_echo(json) RETURNS json LANGUAGE sql IMMUTABLE AS 'SELECT $1';
CREATE FUNCTION rpc_upper(text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper($1)';
CREATE FUNCTION rpc_size(bytea) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT length($1)';
CREATE FUNCTION rpc_noop() RETURNS void LANGUAGE sql AS '';
CREATE FUNCTION rpc_write(msg text) RETURNS integer LANGUAGE sql
    AS 'INSERT INTO rpc_log VALUES (msg); SELECT 1';

CREATE FUNCTION rpc_fail() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', HINT = 'the hint';
END $$;
CREATE FUNCTION rpc_fail_custom() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE SQLSTATE 'PGRST' USING
        message = '{"code":"123","message":"m","details":"dd","hint":"hh"}',
        detail = '{"status":418,"headers":{"X-A":"b"}}';
END $$;
CREATE FUNCTION rpc_fail_pt() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE SQLSTATE 'PT402' USING message = 'pay first';
END $$;
CREATE FUNCTION rpc_status() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('response.status', '202', true);
    PERFORM set_config('response.headers', '[{"X-Custom":"yes"}]', true);
    RETURN 'accepted';
END $$;

CREATE FUNCTION rpc_private() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 42';
REVOKE EXECUTE ON FUNCTION rpc_private() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rpc_private() TO authenticated;

-- The same name in two schemas.
CREATE FUNCTION where_am_i() RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''public''';
CREATE SCHEMA rpc_extra;
GRANT USAGE ON SCHEMA rpc_extra TO anon, authenticated;
CREATE FUNCTION rpc_extra.where_am_i() RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT ''extra''';
CREATE TABLE rpc_extra.gadgets (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO rpc_extra.gadgets VALUES (1, 'lever');
GRANT SELECT ON rpc_extra.gadgets TO anon, authenticated;
