-- Finding people by the beginning of their username or display name (POST /api/users/search),
-- compared case-insensitively. `text_pattern_ops` lets `lower(x) LIKE 'abc%'` walk the index
-- whatever the database's collation (a default btree serves LIKE only under the C collation).
-- Deleted accounts are never found, so they are left out of both indexes.
CREATE INDEX users_username_prefix_idx ON users (lower(username) text_pattern_ops)
  WHERE NOT deleted;
CREATE INDEX users_display_name_prefix_idx ON users (lower(display_name) text_pattern_ops)
  WHERE NOT deleted;
