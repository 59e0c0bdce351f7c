-- Attachments (docs/protocol.md, "Attachments"): encrypted blobs uploaded with tus, one per message.
-- The server knows only who uploaded how many bytes for which conversation and message id; the file
-- name, type and key are inside the message's sealed envelope. A blob is stored under its id in the
-- blob store (a directory by default), never here.

CREATE TABLE attachment_blobs (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  device_id uuid NOT NULL REFERENCES devices (id),
  conversation_id uuid NOT NULL REFERENCES conversations (id),
  -- The message (client-generated id) that will carry the descriptor: one blob per message.
  message_id uuid NOT NULL UNIQUE,
  -- Declared at creation (tus Upload-Length) and counted against the quota from then on.
  size bigint NOT NULL CHECK (size >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
-- Quota: the bytes a user holds.
CREATE INDEX attachment_blobs_user_idx ON attachment_blobs (user_id);
-- Expiry of incomplete uploads and collection of orphans both scan by age.
CREATE INDEX attachment_blobs_created_idx ON attachment_blobs (created_at) WHERE completed_at IS NULL;
CREATE INDEX attachment_blobs_completed_idx ON attachment_blobs (completed_at) WHERE completed_at IS NOT NULL;

-- This database's blob store: blobs live in DATA_DIR/attachments/<id>, so two databases whose
-- servers share a DATA_DIR (tests, a second deployment) never see, or collect, each other's blobs.
CREATE TABLE attachment_store (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  singleton boolean NOT NULL UNIQUE DEFAULT true CHECK (singleton)
);
INSERT INTO attachment_store DEFAULT VALUES;
