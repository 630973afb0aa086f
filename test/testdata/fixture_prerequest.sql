-- db-pre-request: refuses requests that carry "x-blocked: yes".
CREATE FUNCTION public.check_request() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('request.headers', true)::json->>'x-blocked' = 'yes' THEN
        RAISE EXCEPTION 'blocked by the pre-request function'
            USING HINT = 'drop the x-blocked header';
    END IF;
END
$$;
GRANT EXECUTE ON FUNCTION public.check_request() TO anon, authenticated;
