/** Longest server address accepted (far beyond any real origin). */
export const MAX_SERVER_URL_LENGTH = 2048;

/**
 * The origin of a server address a person typed (`https://chat.example.org/x` ->
 * `https://chat.example.org`), or why it is not one. Only http and https: a client speaks HTTP and
 * WebSocket to its server; and no user or password, which would be sent to every request.
 */
export function parseServerOrigin(input: string): { origin: string } | { problem: string } {
  if (input.length > MAX_SERVER_URL_LENGTH) return { problem: 'the address is too long' };
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { problem: 'enter an address such as https://chat.example.org' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { problem: 'the address must start with https:// or http://' };
  }
  if (url.username !== '' || url.password !== '') {
    return { problem: 'the address must not contain a user or password' };
  }
  return { origin: url.origin };
}
