-- Fixture for the operations tests (limits, saturation, shutdown), loaded
-- into databases of their own.

-- A read that holds its connection for two seconds.
CREATE VIEW slow AS SELECT 1 AS id FROM pg_sleep(2);
GRANT SELECT ON slow TO anon;

-- Writes that take a little while, so that some are in flight when the
-- server is told to stop.
CREATE TABLE writes (
    tag text PRIMARY KEY,
    at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION writes_delay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(0.02);
    RETURN NEW;
END
$$;
CREATE TRIGGER writes_delay BEFORE INSERT ON writes
    FOR EACH ROW EXECUTE FUNCTION writes_delay();
GRANT SELECT, INSERT ON writes TO anon;

-- A function, to see RPC calls labelled by name in the metrics.
CREATE FUNCTION ops_ping() RETURNS integer LANGUAGE sql STABLE AS 'SELECT 1';
GRANT EXECUTE ON FUNCTION ops_ping() TO anon;
