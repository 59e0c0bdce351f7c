-- The recovery key (docs/crypto.md, "Recovery key"): Argon2id of the auth secret it derives, and a
-- second copy of the key backup, sealed under the backup key it derives. Both are null until the
-- user makes one, and are set and replaced together.
ALTER TABLE users
  ADD COLUMN recovery_auth_hash text CHECK (recovery_auth_hash LIKE '$argon2id$%'),
  ADD COLUMN recovery_backup bytea CHECK (octet_length(recovery_backup) BETWEEN 1 AND 256),
  ADD CONSTRAINT users_recovery_together
    CHECK ((recovery_auth_hash IS NULL) = (recovery_backup IS NULL));
