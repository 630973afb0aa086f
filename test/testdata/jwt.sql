-- Fixture for the JWT end-to-end tests: the identity a request runs
-- under, as the database sees it. Safe to load more than once.
CREATE OR REPLACE VIEW jwt_whoami AS
SELECT current_user::text                             AS role,
       auth.uid()                                     AS uid,
       auth.user_id()                                 AS user_id,
       auth.jwt()                                     AS claims,
       current_setting('request.jwt.claims', true)    AS raw_claims;

GRANT SELECT ON jwt_whoami TO anon, authenticated;
