-- Replication over socket.io (docs/protocol.md, "Replication").
--
-- A pull orders each device's rows by an effective revision (k, id). For rows inside a conversation
-- k = greatest(row.rev, members.joined_rev), so a user added to a conversation receives its earlier
-- rows: they all get k = the adding transaction's id, above any checkpoint the user already holds.
-- joined_rev is the transaction that last (re)activated the membership; a role change keeps it.
-- removed_rev is the transaction that removed the member: a removed member sees only rows whose rev
-- is below it, so nothing new, but still its own membership row.

ALTER TABLE members ADD COLUMN joined_rev xid8, ADD COLUMN removed_rev xid8;
UPDATE members SET joined_rev = rev, removed_rev = CASE WHEN removed_at IS NOT NULL THEN rev END;
ALTER TABLE members ALTER COLUMN joined_rev SET NOT NULL;

CREATE FUNCTION anochat_track_membership() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR (OLD.removed_at IS NOT NULL AND NEW.removed_at IS NULL) THEN
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
CREATE TRIGGER members_track_membership BEFORE INSERT OR UPDATE ON members
  FOR EACH ROW EXECUTE FUNCTION anochat_track_membership();

-- A direct conversation has exactly two members: created_by and direct_peer_id.
ALTER TABLE conversations ADD COLUMN direct_peer_id uuid REFERENCES users (id);
ALTER TABLE conversations ADD CONSTRAINT conversations_direct_peer_check
  CHECK ((kind = 'direct') = (direct_peer_id IS NOT NULL) AND direct_peer_id IS DISTINCT FROM created_by);

-- The catch-up of a newly joined conversation pages its older messages by id.
CREATE INDEX messages_conversation_id_idx ON messages (conversation_id, id);
