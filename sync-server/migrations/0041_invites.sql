-- Invite links (docs/protocol.md, "Invites"). The token (256 random bits) is shown to its maker
-- once; the server keeps only its SHA-256, so a copy of this table opens no invite. An invite
-- with `conversation_id` null leads to a direct conversation with its maker; otherwise into that
-- group, which the maker must still administer when it is used.
CREATE TABLE invites (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  created_by uuid NOT NULL REFERENCES users (id),
  conversation_id uuid REFERENCES conversations (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX invites_created_by_idx ON invites (created_by, created_at);

-- Who used which invite. A direct invite's maker counts as knowing whoever used it while the
-- invite holds (not expired, not revoked): the direct conversation that person then starts is no
-- message request (sync-server/src/replication/push/consent.ts).
CREATE TABLE invite_redemptions (
  invite_id uuid NOT NULL REFERENCES invites (id),
  user_id uuid NOT NULL REFERENCES users (id),
  redeemed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, invite_id)
);
