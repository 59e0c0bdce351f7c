-- The server's time of a conversation title's last change (docs/crypto.md, "Titles after a
-- revocation"). A title is sealed and signed by the device that set it; once that device is
-- revoked (a logout), clients open the title only if it was stored before the signed revocation
-- time, exactly as they judge a message by its `created_at`. Set by the server when a
-- conversation is created with a title and whenever an update changes the title; never by clients.
-- Titles set before this column existed have no known time (null): they open only while their
-- sealing device is not revoked, as before.
ALTER TABLE conversations ADD COLUMN title_changed_at timestamptz;
