-- Failed sign-ins (wrong secret at login, key-backup fetch or password change), for the throttle in
-- src/rate-limit/sign-in-throttle.ts: one row per key (`account:<name>`, `address:<ip>`,
-- `pair:<name>|<ip>`) holding the times of its failures in the last hour. Only failures are kept,
-- never attempts that were refused or succeeded. Not replicated.
CREATE TABLE sign_in_failures (
  key text PRIMARY KEY,
  failures timestamptz[] NOT NULL,
  last_failure_at timestamptz NOT NULL
);
CREATE INDEX sign_in_failures_last_failure_at_idx ON sign_in_failures (last_failure_at);

-- Sign-ins no longer count in rate_limits (register and user lookups still do).
DELETE FROM rate_limits WHERE key LIKE 'credentials-%';
