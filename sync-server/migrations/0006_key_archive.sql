-- The key archive (docs/crypto.md, "Conversations and epochs"): each conversation key of each epoch
-- a user's devices obtained, sealed under that user's archive key, which the server never has. A new
-- device restores the archive key from the key backup and reads every epoch from here, with no other
-- device online. Replicated to the owning user's devices only; written by them only; immutable.
CREATE TABLE key_archive (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  conversation_id uuid NOT NULL REFERENCES conversations (id),
  epoch integer NOT NULL CHECK (epoch >= 0),
  sealed_key bytea NOT NULL CHECK (octet_length(sealed_key) BETWEEN 1 AND 256),
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted boolean NOT NULL DEFAULT false,
  rev xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (user_id, conversation_id, epoch)
);
CREATE INDEX key_archive_user_rev_id_idx ON key_archive (user_id, rev, id);
CREATE TRIGGER key_archive_touch_rev BEFORE INSERT OR UPDATE ON key_archive
  FOR EACH ROW EXECUTE FUNCTION anochat_touch_rev();
