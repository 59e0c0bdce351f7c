/** A new password must be at least this long: it alone protects the key backup on the server. */
export const MIN_PASSWORD_LENGTH = 8;

/** Why this new password (at registration or a change) is refused, or null when it may be used. */
export function newPasswordProblem(password: string): string | null {
  return password.length < MIN_PASSWORD_LENGTH
    ? `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters.`
    : null;
}
