-- How many prepared statements the calling session holds.
CREATE FUNCTION public.prepared_count() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM pg_prepared_statements $$;
GRANT EXECUTE ON FUNCTION public.prepared_count() TO anon, authenticated;
