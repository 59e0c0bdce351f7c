/**
 * Splits one direction of a proxied TCP stream into the units a fault can act on: the HTTP head,
 * then whole WebSocket frames once the connection was upgraded, or raw chunks for plain HTTP.
 * Latency and cuts are then applied per frame, and a frame's text can be looked at (socket.io
 * packets: `42<id>["push",...]` from the client, `43<id>[...]` for its answer).
 */
export interface Unit {
  kind: 'head' | 'frame' | 'raw';
  bytes: Buffer;
  /** The first `n` characters of a text frame's payload (unmasked); '' otherwise. */
  peek(n: number): string;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

export class UnitSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  private mode: 'head' | 'ws' | 'raw' = 'head';

  /**
   * `upgrades(head)`: whether this head switches the direction to WebSocket frames (a request
   * asking to upgrade, or a `101` answer).
   */
  constructor(private readonly upgrades: (head: string) => boolean) {}

  push(chunk: Buffer): Unit[] {
    if (this.mode === 'raw') return [rawUnit(chunk)];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const units: Unit[] = [];
    while (this.take(units)) {}
    return units;
  }

  /** Takes one unit off the buffer; false when it needs more bytes (or went raw). */
  private take(units: Unit[]): boolean {
    if (this.mode === 'ws') {
      const frame = takeFrame(this.buffer);
      if (frame === null) return false;
      units.push(frame);
      this.buffer = this.buffer.subarray(frame.bytes.length);
      return true;
    }
    if (this.mode === 'raw') return false;
    const end = this.buffer.indexOf(HEAD_END);
    if (end < 0) {
      if (this.buffer.length > MAX_HEAD) this.toRaw(units);
      return false;
    }
    const head = this.buffer.subarray(0, end + HEAD_END.length);
    this.buffer = this.buffer.subarray(head.length);
    units.push({ kind: 'head', bytes: head, peek: () => '' });
    if (this.upgrades(head.toString('latin1'))) this.mode = 'ws';
    else this.toRaw(units);
    return true;
  }

  private toRaw(units: Unit[]) {
    this.mode = 'raw';
    if (this.buffer.length > 0) units.push(rawUnit(this.buffer));
    this.buffer = Buffer.alloc(0);
  }
}

function rawUnit(bytes: Buffer): Unit {
  return { kind: 'raw', bytes, peek: () => '' };
}

/** One whole WebSocket frame from the start of `buffer`, or null if it has not all arrived. */
function takeFrame(buffer: Buffer): Unit | null {
  if (buffer.length < 2) return null;
  const first = buffer[0] as number;
  const second = buffer[1] as number;
  const masked = (second & 0x80) !== 0;
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const maskAt = offset;
  if (masked) offset += 4;
  if (buffer.length < offset + length) return null;
  const bytes = Buffer.from(buffer.subarray(0, offset + length));
  const opcode = first & 0x0f;
  const payloadAt = offset;
  return {
    kind: 'frame',
    bytes,
    peek(n) {
      if (opcode !== 1) return '';
      const count = Math.min(n, length);
      const out = Buffer.alloc(count);
      for (let i = 0; i < count; i++) {
        const byte = bytes[payloadAt + i] as number;
        out[i] = masked ? byte ^ (bytes[maskAt + (i % 4)] as number) : byte;
      }
      return out.toString('utf8');
    },
  };
}

/** A client request that asks for a WebSocket. */
export const isUpgradeRequest = (head: string) => /\r\nupgrade:\s*websocket/i.test(head);
/** A server answer that switches to WebSocket. */
export const isSwitchingProtocols = (head: string) => head.startsWith('HTTP/1.1 101');
