/** Why a request over the sync connection failed without an answer from the server. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: 'DISCONNECTED' | 'TIMEOUT' | 'REFUSED',
    message: string,
  ) {
    super(message);
  }
}
