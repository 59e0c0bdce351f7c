-- Who started each epoch of each conversation (docs/crypto.md, "Epochs"): the device whose key
-- envelope for it was stored first. Every envelope of that epoch must come from that device, so
-- all member devices hold the same key for one epoch; the primary key makes two devices that start
-- the same epoch at the same moment take turns, and the second one loses. `started_at` is when the
-- epoch began, which clients read to rotate keys after 7 days.
CREATE TABLE conversation_epochs (
  conversation_id uuid NOT NULL REFERENCES conversations (id),
  epoch integer NOT NULL CHECK (epoch >= 0),
  owner_device_id uuid NOT NULL REFERENCES devices (id),
  started_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, epoch)
);

-- Epochs started before this rule: the sender of each epoch's first stored envelope owns it.
INSERT INTO conversation_epochs (conversation_id, epoch, owner_device_id, started_at)
SELECT DISTINCT ON (conversation_id, epoch) conversation_id, epoch, sender_device_id, created_at
  FROM key_envelopes
 ORDER BY conversation_id, epoch, created_at, rev, id;
