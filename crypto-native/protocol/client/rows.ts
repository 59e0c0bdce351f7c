/**
 * The replicated rows the client core reads and writes, as far as it needs them: base64 fields as
 * the server and the local database hold them (schemas/rxdb). The app's documents and the wire
 * documents of the tests both have these shapes.
 */

export interface UserRow {
  id: string;
  username: string;
  identityPublicKey?: string | null | undefined;
}

export interface DeviceRow {
  id: string;
  userId: string;
  boxPublicKey: string;
  signPublicKey: string;
  certificate: string | null;
  revocation: string | null;
}

/** A key envelope as this device writes it. */
export interface NewKeyEnvelopeRow {
  id: string;
  conversationId: string;
  epoch: number;
  recipientDeviceId: string;
  senderDeviceId: string;
  envelope: string;
}

/** A key envelope as this device holds it. */
export interface KeyEnvelopeRow extends NewKeyEnvelopeRow {
  /** Server time the epoch's first envelope was stored (ISO); absent until pulled. */
  epochStartedAt?: string | null | undefined;
  /** The server's revision; absent while the row waits to be pushed. */
  rev?: unknown;
}

export interface KeyArchiveRow {
  id: string;
  userId: string;
  conversationId: string;
  epoch: number;
  sealedKey: string;
}

export interface MessageRow {
  id: string;
  conversationId: string;
  senderDeviceId: string;
  envelope: string;
  /** Server time the message was stored (ISO); absent until pushed. */
  createdAt?: string | undefined;
}
