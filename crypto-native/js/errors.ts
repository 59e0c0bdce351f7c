/** Error codes shared by every provider; the wasm provider maps the C core's statuses onto them. */
export type NaclErrorCode =
  | 'INVALID_LENGTH'
  | 'TOO_LARGE'
  | 'EMPTY'
  | 'WEAK_KEY'
  | 'INVALID_ARGUMENT'
  | 'INTERNAL'
  | 'UNSUPPORTED'
  | 'UNAVAILABLE';

export class NaclError extends Error {
  override readonly name = 'NaclError';

  constructor(
    readonly code: NaclErrorCode,
    message: string,
  ) {
    super(message);
  }
}
