-- Notifications (docs/protocol.md, "Mutes" and "Web Push").
--
-- A user's muted conversations: replicated to the muting user's own devices only and written by
-- them only; unmuting is the soft delete (the row stays so that the unmute replicates). `until` is
-- the end of the mute, null for "until unmuted". Metadata only: which conversation, until when.
CREATE TABLE mutes (
  user_id uuid NOT NULL REFERENCES users (id),
  conversation_id uuid NOT NULL REFERENCES conversations (id),
  until timestamptz,
  deleted boolean NOT NULL DEFAULT false,
  rev xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (user_id, conversation_id)
);
CREATE INDEX mutes_user_rev_idx ON mutes (user_id, rev, conversation_id);
CREATE TRIGGER mutes_touch_rev BEFORE INSERT OR UPDATE ON mutes
  FOR EACH ROW EXECUTE FUNCTION anochat_touch_rev();

-- One Web Push subscription per device (a browser has one per origin): where the push service
-- expects pushes for it and the keys that encrypt them (RFC 8291). A push carries no content, so
-- the keys only let the push service deliver it. `last_pushed_at` coalesces pushes: a device is
-- pushed at most once per short window. Gone with the device's session (revoke, sign-out).
CREATE TABLE push_subscriptions (
  device_id uuid PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id),
  endpoint text NOT NULL,
  p256dh text NOT NULL,
  auth text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_pushed_at timestamptz
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id);
