/** A new password must be at least this long: it alone protects the key backup on the server. */
export const MIN_PASSWORD_LENGTH = 8;

/** Why this new password (at registration or a change) is refused, or null when it may be used. */
export function newPasswordProblem(password: string): string | null {
  return password.length < MIN_PASSWORD_LENGTH
    ? `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters.`
    : null;
}

/**
 * Why the registration form cannot be sent yet, or null when it can: a username, a long enough
 * password, and the same password typed twice (nobody can reset it for them, so a typo would lock
 * them out of their key backup for good).
 */
export function registrationProblem(input: {
  username: string;
  password: string;
  confirmation: string;
}): string | null {
  if (input.username.trim() === '' || input.password === '') {
    return 'Enter a username and a password.';
  }
  const weak = newPasswordProblem(input.password);
  if (weak !== null) return weak;
  if (input.confirmation !== input.password) {
    return 'The two passwords differ: type the same password twice.';
  }
  return null;
}
