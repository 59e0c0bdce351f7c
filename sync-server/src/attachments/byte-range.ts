/** A single `bytes=` range of RFC 9110, resolved against the blob's size (end inclusive). */
export type ByteRange = { start: number; end: number };

const SINGLE_RANGE = /^bytes=(\d{0,16})-(\d{0,16})$/;

/**
 * `null` when there is no usable Range header (absent, malformed, several ranges: RFC 9110 lets a
 * server ignore those and send the whole blob), `'unsatisfiable'` when it starts at or after the
 * end of the blob.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | null | 'unsatisfiable' {
  if (header === undefined) return null;
  if (size === 0) return 'unsatisfiable';
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) return null;
  const [first, last] = [match[1] as string, match[2] as string];
  if (first === '' && last === '') return null;
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { start, end };
}
