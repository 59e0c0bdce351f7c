-- Accounts: users, their devices, refresh tokens, and the login rate-limit counters.
--
-- Replication readiness. Every replicated table carries
--   rev xid8 NOT NULL DEFAULT pg_current_xact_id()
-- kept equal to the id of the last transaction that wrote the row by the trigger below. A pull
-- hands out rows with rev < pg_snapshot_xmin(pg_current_snapshot()), ordered by (rev, id), and the
-- last (rev, id) it returned as the checkpoint. Every transaction below the snapshot's xmin has
-- finished, so no commit can later land at or below a checkpoint already handed out. (Ordering by
-- commit time or by a sequence would skip rows: a transaction with a smaller number can commit after
-- one with a larger number has been read.) Rows that can disappear are soft-deleted (`deleted`), so
-- the deletion itself replicates.

CREATE FUNCTION anochat_touch_rev() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.rev := pg_current_xact_id();
  RETURN NEW;
END;
$$;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL CHECK (username ~ '^[A-Za-z0-9._-]{3,32}$'),
  display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 64),
  -- Argon2id (libsodium crypto_pwhash_str) of the secret the client derived from the password.
  auth_hash text NOT NULL CHECK (auth_hash LIKE '$argon2id$%'),
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted boolean NOT NULL DEFAULT false,
  rev xid8 NOT NULL DEFAULT pg_current_xact_id()
);
-- Unique regardless of case: "Alice" and "alice" are one account.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));
CREATE INDEX users_rev_id_idx ON users (rev, id);
CREATE TRIGGER users_touch_rev BEFORE INSERT OR UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION anochat_touch_rev();

CREATE TABLE devices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  box_public_key bytea NOT NULL CHECK (octet_length(box_public_key) = 32),
  sign_public_key bytea NOT NULL CHECK (octet_length(sign_public_key) = 32),
  -- Signed by another device of the same user once device linking exists; null until then.
  certificate bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A revoked device stays listed so its peers learn to stop encrypting to it.
  revoked_at timestamptz,
  rev xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX devices_user_rev_id_idx ON devices (user_id, rev, id);
CREATE TRIGGER devices_touch_rev BEFORE INSERT OR UPDATE ON devices
  FOR EACH ROW EXECUTE FUNCTION anochat_touch_rev();

-- Not replicated: server-side secrets.
CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  device_id uuid NOT NULL REFERENCES devices (id),
  -- Every token rotated from one login shares a family; reusing a spent token revokes the family.
  family_id uuid NOT NULL,
  -- SHA-256 of the opaque token: a database leak yields no usable token.
  token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_device_idx ON refresh_tokens (device_id);

-- Not replicated: fixed-window counters shared by every server instance.
CREATE TABLE rate_limits (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window_start_idx ON rate_limits (window_start);
