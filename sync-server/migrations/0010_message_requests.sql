-- Contact with consent (docs/protocol.md, "Message requests and blocks").
--
-- A membership someone else made for you is a request until you accept it: `accepted_at` stays
-- null, and until then you see the conversation, its members and who invited you, but none of
-- its messages or receipts, and its other members see neither your devices nor your presence.
-- A membership you made yourself (a conversation you created), or one made by someone you know (a
-- direct conversation with them that you accepted), is accepted at once.
--
-- Accepting is a visibility change: it sets joined_rev to the accepting transaction (trigger
-- below), so the accepting user receives the whole conversation and its members receive the
-- user's devices, whatever checkpoint anyone holds (see 0003).

ALTER TABLE members
  ADD COLUMN accepted_at timestamptz,
  -- Who made this membership (the creator for a direct conversation's peer, the admin who added a
  -- group member); null for a conversation's creator.
  ADD COLUMN invited_by uuid REFERENCES users (id),
  -- When this membership was made or last made active again: the request quota counts from here.
  ADD COLUMN invited_at timestamptz NOT NULL DEFAULT now();
-- Everyone who was a member before this rule is taken to have accepted.
UPDATE members SET accepted_at = joined_at, invited_at = joined_at;

CREATE OR REPLACE FUNCTION anochat_track_membership() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT'
     OR (OLD.removed_at IS NOT NULL AND NEW.removed_at IS NULL)
     OR (OLD.accepted_at IS NULL AND NEW.accepted_at IS NOT NULL) THEN
    NEW.joined_rev := pg_current_xact_id();
  ELSE
    NEW.joined_rev := OLD.joined_rev;
  END IF;
  IF NEW.removed_at IS NULL THEN
    NEW.removed_rev := NULL;
  ELSIF TG_OP = 'INSERT' OR OLD.removed_at IS NULL THEN
    NEW.removed_rev := pg_current_xact_id();
  ELSE
    NEW.removed_rev := OLD.removed_rev;
  END IF;
  RETURN NEW;
END;
$$;

-- The quotas count a user's recent conversations and requests.
CREATE INDEX conversations_created_by_idx ON conversations (created_by, created_at);
CREATE INDEX members_invited_by_idx ON members (invited_by, invited_at)
  WHERE invited_by IS NOT NULL;

-- A user's block list: `user_id` blocks `blocked_user_id`. Replicated to the blocking user's own
-- devices only, written by them only; unblocking is the soft delete (the row stays so that the
-- unblock replicates). Nobody else is told, and nothing is reported to anyone.
CREATE TABLE blocks (
  user_id uuid NOT NULL REFERENCES users (id),
  blocked_user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted boolean NOT NULL DEFAULT false,
  rev xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (user_id, blocked_user_id),
  CHECK (user_id <> blocked_user_id)
);
CREATE INDEX blocks_user_rev_idx ON blocks (user_id, rev, blocked_user_id);
-- "Does anyone among these users block me?" (new conversations, group adds, presence).
CREATE INDEX blocks_blocked_user_idx ON blocks (blocked_user_id, user_id) WHERE NOT deleted;
CREATE TRIGGER blocks_touch_rev BEFORE INSERT OR UPDATE ON blocks
  FOR EACH ROW EXECUTE FUNCTION anochat_touch_rev();
