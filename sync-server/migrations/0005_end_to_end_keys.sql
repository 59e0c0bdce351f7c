-- End-to-end encryption (docs/crypto.md). The server keeps public keys and signed statements so that
-- clients can check them, and one encrypted blob per user that it cannot open.
--
-- The columns are nullable only because accounts and devices may predate this migration; the
-- server requires them for every account and device it creates from now on.

-- The user's Ed25519 identity public key: it certifies and revokes the user's devices.
ALTER TABLE users ADD COLUMN identity_public_key bytea
  CHECK (octet_length(identity_public_key) = 32);
-- The identity seed and the archive key, secretbox-sealed under a key derived from the password.
ALTER TABLE users ADD COLUMN key_backup bytea
  CHECK (octet_length(key_backup) BETWEEN 1 AND 256);

ALTER TABLE devices ADD CONSTRAINT devices_certificate_size
  CHECK (octet_length(certificate) BETWEEN 1 AND 256);
-- The identity key's signed statement that this device no longer speaks for the user.
ALTER TABLE devices ADD COLUMN revocation bytea
  CHECK (octet_length(revocation) BETWEEN 1 AND 256);
