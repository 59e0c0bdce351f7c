import { decodeBase64 } from './base64.ts';
import {
  decodeKeyEnvelope,
  type KeyEnvelope,
  keyEnvelopeSigningBytes,
} from './conversation-keys.ts';
import {
  decodeMessageEnvelope,
  type MessageEnvelope,
  messageSigningBytes,
} from './message-envelope.ts';
import { type E2eResult, fail, ok } from './result.ts';

/**
 * What the server checks of a pushed row, without any key: the envelope decodes, and (key
 * envelopes) the ids in the row's columns equal the signed ones; a message envelope is signed over
 * its row's columns. The answer carries the exact bytes to verify, so the
 * server verifies a whole push batch in one VerifyBatch call under each sender device's registered
 * signing key (and must also check that the sender device is the authenticated one).
 */

export interface RowToVerify<E> {
  envelope: E;
  /** Verify `envelope.signature` over these bytes with the sender device's signPublicKey. */
  signedBytes: Uint8Array;
}

export function checkMessageRow(row: {
  id: string;
  conversationId: string;
  senderDeviceId: string;
  envelope: string;
}): E2eResult<RowToVerify<MessageEnvelope>> {
  const bytes = decodeBase64(row.envelope);
  if (bytes === null) return fail('MALFORMED', 'envelope: not canonical base64');
  const decoded = decodeMessageEnvelope(bytes, row);
  if (!decoded.ok) return decoded;
  return ok({ envelope: decoded.value, signedBytes: messageSigningBytes(decoded.value) });
}

export function checkKeyEnvelopeRow(row: {
  conversationId: string;
  epoch: number;
  recipientDeviceId: string;
  senderDeviceId: string;
  envelope: string;
}): E2eResult<RowToVerify<KeyEnvelope>> {
  const bytes = decodeBase64(row.envelope);
  if (bytes === null) return fail('MALFORMED', 'envelope: not canonical base64');
  const decoded = decodeKeyEnvelope(bytes);
  if (!decoded.ok) return decoded;
  const envelope = decoded.value;
  if (envelope.conversationId !== row.conversationId) {
    return fail('WRONG_CONVERSATION', 'the row conversation differs from the signed one');
  }
  if (envelope.epoch !== row.epoch)
    return fail('WRONG_EPOCH', 'the row epoch differs from the signed one');
  if (envelope.recipientDeviceId !== row.recipientDeviceId) {
    return fail('WRONG_RECIPIENT', 'the row recipient differs from the signed one');
  }
  if (envelope.senderDeviceId !== row.senderDeviceId) {
    return fail('WRONG_SENDER', 'the row sender device differs from the signed one');
  }
  return ok({ envelope, signedBytes: keyEnvelopeSigningBytes(envelope) });
}
