/**
 * The few pieces of PostgreSQL's wire protocol (version 3) the embedded session broker needs:
 * cutting a byte stream into messages, reading the fields it rewrites, and writing the messages it
 * answers itself. https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

export const PROTOCOL_VERSION_3 = 196_608;
export const SSL_REQUEST_CODE = 80_877_103;
export const GSS_ENCRYPTION_REQUEST_CODE = 80_877_104;
export const CANCEL_REQUEST_CODE = 80_877_102;

/** A message before the startup is done: no type byte, the first int32 is the whole length. */
export interface UntypedMessage {
  kind: 'untyped';
  code: number;
  bytes: Buffer;
}
/** Any later message: one type byte, then an int32 length that counts itself. */
export interface TypedMessage {
  kind: 'typed';
  type: string;
  bytes: Buffer;
}

/** Cuts complete messages off the front of `buffer`; `rest` is an incomplete message (or empty). */
export function takeMessages(
  buffer: Buffer,
  startupDone: boolean,
): { messages: (UntypedMessage | TypedMessage)[]; rest: Buffer } {
  const messages: (UntypedMessage | TypedMessage)[] = [];
  let offset = 0;
  let typed = startupDone;
  for (;;) {
    if (typed) {
      if (buffer.length - offset < 5) break;
      const length = buffer.readInt32BE(offset + 1);
      if (length < 4) throw new WireError('message length below 4');
      if (buffer.length - offset < 1 + length) break;
      const bytes = buffer.subarray(offset, offset + 1 + length);
      messages.push({ kind: 'typed', type: String.fromCharCode(bytes[0] as number), bytes });
      offset += 1 + length;
    } else {
      if (buffer.length - offset < 8) break;
      const length = buffer.readInt32BE(offset);
      if (length < 8 || length > 10_000) throw new WireError('bad startup packet length');
      if (buffer.length - offset < length) break;
      const bytes = buffer.subarray(offset, offset + length);
      const code = bytes.readInt32BE(4);
      messages.push({ kind: 'untyped', code, bytes });
      offset += length;
      // Only a real startup ends the untyped phase; SSL and GSS requests are answered and repeated.
      if (code === PROTOCOL_VERSION_3) typed = true;
    }
  }
  return { messages, rest: Buffer.from(buffer.subarray(offset)) };
}

export class WireError extends Error {
  override readonly name = 'WireError';
}

/** The startup packet's parameters (user, database, options, ...). */
export function startupParameters(message: UntypedMessage): Map<string, string> {
  const parameters = new Map<string, string>();
  const fields = message.bytes.subarray(8).toString('utf8').split('\0');
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const name = fields[index] as string;
    if (name === '') break;
    parameters.set(name, fields[index + 1] as string);
  }
  return parameters;
}

/**
 * The settings in a startup `options` parameter: `-c name=value` and `--name=value`, separated by
 * spaces, a backslash escaping the next character (as libpq and the server read it).
 */
export function settingsOfOptions(options: string): Map<string, string> {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let index = 0; index < options.length; index += 1) {
    const char = options[index] as string;
    if (char === '\\' && index + 1 < options.length) {
      word += options[index + 1];
      index += 1;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  const settings = new Map<string, string>();
  for (let index = 0; index < words.length; index += 1) {
    let assignment: string | undefined;
    const current = words[index] as string;
    if (current === '-c') {
      assignment = words[index + 1];
      index += 1;
    } else if (current.startsWith('-c')) assignment = current.slice(2);
    else if (current.startsWith('--')) assignment = current.slice(2);
    const equals = assignment?.indexOf('=') ?? -1;
    if (assignment === undefined || equals <= 0) {
      throw new WireError(`invalid command-line argument in options: ${current}`);
    }
    settings.set(assignment.slice(0, equals).replaceAll('-', '_'), assignment.slice(equals + 1));
  }
  return settings;
}

/** Reads a NUL-terminated string at `offset`: the string and the offset after its NUL. */
export function readCString(bytes: Buffer, offset: number): { value: string; next: number } {
  const end = bytes.indexOf(0, offset);
  if (end < 0) throw new WireError('unterminated string');
  return { value: bytes.toString('utf8', offset, end), next: end + 1 };
}

function typedMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

const cString = (value: string) => Buffer.from(`${value}\0`, 'utf8');

export const frontend = {
  query: (sql: string) => typedMessage('Q', cString(sql)),
  sync: () => typedMessage('S', Buffer.alloc(0)),
  /** Close of a prepared statement ('S') or a portal ('P'). */
  close: (what: 'S' | 'P', name: string) =>
    typedMessage('C', Buffer.concat([Buffer.from(what, 'latin1'), cString(name)])),
  startup(parameters: Record<string, string>): Buffer {
    const body = Buffer.concat([
      ...Object.entries(parameters).map(([name, value]) => cString(`${name}\0${value}`)),
      Buffer.from([0]),
    ]);
    const header = Buffer.alloc(8);
    header.writeInt32BE(8 + body.length, 0);
    header.writeInt32BE(PROTOCOL_VERSION_3, 4);
    return Buffer.concat([header, body]);
  },
};

export const backend = {
  readyForQuery: (status: 'I' | 'T' | 'E') => typedMessage('Z', Buffer.from(status, 'latin1')),
  backendKeyData(processId: number, secret: number): Buffer {
    const body = Buffer.alloc(8);
    body.writeInt32BE(processId, 0);
    body.writeInt32BE(secret, 4);
    return typedMessage('K', body);
  },
  /** An ErrorResponse with severity, SQLSTATE and message. */
  error(severity: 'ERROR' | 'FATAL', code: string, message: string): Buffer {
    return typedMessage(
      'E',
      Buffer.concat([
        cString(`S${severity}`),
        cString(`V${severity}`),
        cString(`C${code}`),
        cString(`M${message}`),
        Buffer.from([0]),
      ]),
    );
  },
};

/**
 * Follows a backend byte stream that may arrive in pieces, reporting each ReadyForQuery's
 * transaction status ('I' idle, 'T' in a transaction, 'E' in a failed one).
 */
export class ReadyForQueryScanner {
  private pending = Buffer.alloc(0);
  /** The status of the last ReadyForQuery seen, or null if none since the last take(). */
  private status: 'I' | 'T' | 'E' | null = null;

  push(chunk: Uint8Array): void {
    this.pending =
      this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (this.pending.length - offset >= 5) {
      const length = this.pending.readInt32BE(offset + 1);
      if (this.pending.length - offset < 1 + length) break;
      if (this.pending[offset] === 0x5a /* 'Z' */) {
        this.status = String.fromCharCode(this.pending[offset + 5] as number) as 'I' | 'T' | 'E';
      }
      offset += 1 + length;
    }
    this.pending = this.pending.subarray(offset);
  }

  /** The status seen since the last call (null: the exchange has not ended yet). */
  take(): 'I' | 'T' | 'E' | null {
    const status = this.status;
    this.status = null;
    return status;
  }
}

/** The ParameterStatus messages ('S') of a backend answer, as raw messages. */
export function parameterStatusMessages(answer: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  for (let offset = 0; offset + 5 <= answer.length; ) {
    const length = answer.readInt32BE(offset + 1);
    if (answer[offset] === 0x53 /* 'S' */) {
      messages.push(Buffer.from(answer.subarray(offset, offset + 1 + length)));
    }
    offset += 1 + length;
  }
  return messages;
}

/** What a frontend message says about named prepared statements and portals, and its SQL text. */
export interface NamesInMessage {
  statement?: string;
  portal?: string;
  sql?: string;
}

/**
 * Gives names of prepared statements and portals in one frontend message (Parse, Bind, Describe,
 * Close, Execute) a new spelling; the unnamed ones ("") stay unnamed. Other messages pass as they
 * are. `seen` learns the names and the SQL text the message carries.
 */
export function renameInMessage(
  message: TypedMessage,
  rename: (kind: 'statement' | 'portal', name: string) => string,
  seen: NamesInMessage = {},
): Buffer {
  const { bytes, type } = message;
  const body = bytes.subarray(5);
  const renamed = (kind: 'statement' | 'portal', name: string) => {
    seen[kind] = name;
    return name === '' ? name : rename(kind, name);
  };
  switch (type) {
    case 'Q': {
      seen.sql = readCString(body, 0).value;
      return bytes;
    }
    case 'P': {
      const name = readCString(body, 0);
      seen.sql = readCString(body, name.next).value;
      return typedMessage(
        'P',
        Buffer.concat([cString(renamed('statement', name.value)), body.subarray(name.next)]),
      );
    }
    case 'B': {
      const portal = readCString(body, 0);
      const statement = readCString(body, portal.next);
      return typedMessage(
        'B',
        Buffer.concat([
          cString(renamed('portal', portal.value)),
          cString(renamed('statement', statement.value)),
          body.subarray(statement.next),
        ]),
      );
    }
    case 'D':
    case 'C': {
      const what = String.fromCharCode(body[0] as number);
      const name = readCString(body, 1);
      const kind = what === 'S' ? 'statement' : 'portal';
      return typedMessage(
        type,
        Buffer.concat([
          body.subarray(0, 1),
          cString(renamed(kind, name.value)),
          body.subarray(name.next),
        ]),
      );
    }
    case 'E': {
      const portal = readCString(body, 0);
      return typedMessage(
        'E',
        Buffer.concat([cString(renamed('portal', portal.value)), body.subarray(portal.next)]),
      );
    }
    default:
      return bytes;
  }
}
