-- Names people read (display names, device names) hold no control characters: the request schema
-- (schemas/api/auth.ts, `shownName`) refuses them, and the database says the same, so that a value
-- one accepts is never refused by the other (NUL cannot be stored in text at all). NOT VALID: rows
-- written before this rule are left as they are; every new or changed row is checked.
ALTER TABLE users ADD CONSTRAINT users_display_name_printable
  CHECK (display_name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;
ALTER TABLE devices ADD CONSTRAINT devices_name_printable
  CHECK (name !~ '[\x01-\x1f\x7f-\x9f]') NOT VALID;
