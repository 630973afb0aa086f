-- Schema neon_auth: the users, credentials, sessions, verification tokens
-- and signing keys of rowgate's built-in auth service. The tables and their
-- camelCase quoted column names follow Neon Auth (a managed Better Auth), so
-- queries written against Neon's documentation work unchanged, for example
--   SELECT id, email, "emailVerified", "createdAt" FROM neon_auth.user;
--
-- Secrets are never stored in clear: account.password holds a scrypt hash,
-- session.token and verification.value hold SHA-256 digests of the tokens
-- handed out, and jwks."privateKey" is sealed with AES-256-GCM under a key
-- derived from the auth secret.
--
-- Only the login role (its name arrives in the transaction-local setting
-- rowgate.authenticator) may touch these tables; the request roles may not,
-- and the schema is not meant to be exposed through the Data API.

CREATE SCHEMA IF NOT EXISTS neon_auth;

COMMENT ON SCHEMA neon_auth IS 'rowgate: users, sessions and signing keys of the auth service';

CREATE TABLE IF NOT EXISTS neon_auth."user" (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL DEFAULT '',
  email           text NOT NULL UNIQUE,
  "emailVerified" boolean NOT NULL DEFAULT false,
  image           text,
  "createdAt"     timestamptz NOT NULL DEFAULT now(),
  "updatedAt"     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON COLUMN neon_auth."user".email IS 'Lower-cased; the JWT email claim.';

CREATE TABLE IF NOT EXISTS neon_auth.account (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "userId"                uuid NOT NULL REFERENCES neon_auth."user" (id) ON DELETE CASCADE,
  "accountId"             text NOT NULL,
  "providerId"            text NOT NULL,
  "accessToken"           text,
  "refreshToken"          text,
  "accessTokenExpiresAt"  timestamptz,
  "refreshTokenExpiresAt" timestamptz,
  scope                   text,
  "idToken"               text,
  password                text,
  "createdAt"             timestamptz NOT NULL DEFAULT now(),
  "updatedAt"             timestamptz NOT NULL DEFAULT now(),
  UNIQUE ("providerId", "accountId")
);

CREATE INDEX IF NOT EXISTS account_user_idx ON neon_auth.account ("userId");

COMMENT ON COLUMN neon_auth.account.password IS 'scrypt hash, "salt:key" in hex; never the password.';

CREATE TABLE IF NOT EXISTS neon_auth.session (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  "userId"    uuid NOT NULL REFERENCES neon_auth."user" (id) ON DELETE CASCADE,
  token       text NOT NULL UNIQUE,
  "expiresAt" timestamptz NOT NULL,
  "ipAddress" text,
  "userAgent" text,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS session_user_idx ON neon_auth.session ("userId");

COMMENT ON COLUMN neon_auth.session.token IS 'SHA-256 of the session cookie value, hex; never the token.';

CREATE TABLE IF NOT EXISTS neon_auth.verification (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  identifier  text NOT NULL,
  value       text NOT NULL UNIQUE,
  "expiresAt" timestamptz NOT NULL,
  "createdAt" timestamptz NOT NULL DEFAULT now(),
  "updatedAt" timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS verification_identifier_idx ON neon_auth.verification (identifier);

COMMENT ON COLUMN neon_auth.verification.value IS 'SHA-256 of the emailed token, hex; never the token.';

CREATE TABLE IF NOT EXISTS neon_auth.jwks (
  id           text PRIMARY KEY,
  "publicKey"  text NOT NULL,
  "privateKey" text NOT NULL,
  "createdAt"  timestamptz NOT NULL DEFAULT now(),
  "expiresAt"  timestamptz
);

COMMENT ON COLUMN neon_auth.jwks."privateKey" IS 'AES-256-GCM sealed private JWK; see rowgate auth-secret.';

-- The login role runs the auth service; nobody else gets in.
REVOKE ALL ON SCHEMA neon_auth FROM PUBLIC;

DO $$
DECLARE
  login text := pg_catalog.current_setting('rowgate.authenticator');
BEGIN
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA neon_auth TO %I', login);
  EXECUTE pg_catalog.format(
    'GRANT SELECT, INSERT, UPDATE, DELETE ON neon_auth."user", neon_auth.account, '
    'neon_auth.session, neon_auth.verification, neon_auth.jwks TO %I', login);
END
$$;
