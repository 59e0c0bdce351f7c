import type * as protoLoader from '@grpc/proto-loader';
import type { SignedMessage } from '../../nacl.ts';

/**
 * VerifyBatch's protobuf wire format, written and read directly. It is the server's hot call: a
 * batch of 100 envelopes is ~36 KB, and protobufjs's generic writer queues one operation per field
 * and copies every bytes field twice. Here one pass sizes the request, one buffer holds it and each
 * field is copied once. The field numbers are read from the loaded crypto.proto, which stays the
 * only description of the message shapes; a schema change this codec cannot follow fails at load.
 */
export interface VerifyBatchCodec {
  serialize(request: { items: readonly SignedMessage[] }): Buffer;
  deserialize(bytes: Buffer): { valid: boolean[] };
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;
const PACKAGE = 'anochat.crypto.v1';

interface FieldDescriptor {
  name: string;
  number: number;
  type: string;
  label: string;
}

function fieldNumber(
  definition: protoLoader.PackageDefinition,
  message: string,
  field: string,
  type: string,
  label: string,
): number {
  const descriptor = (
    definition[`${PACKAGE}.${message}`] as { type?: { field?: FieldDescriptor[] } } | undefined
  )?.type?.field?.find((candidate) => candidate.name === field);
  if (descriptor?.type !== type || descriptor.label !== label) {
    throw new Error(`crypto.proto: ${message}.${field} is no longer a ${label} ${type} field`);
  }
  return descriptor.number;
}

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

function lengthDelimitedSize(tag: number, length: number): number {
  return varintSize(tag) + varintSize(length) + length;
}

const tagOf = (field: number, wireType: number) => field * 8 + wireType;

export function createVerifyBatchCodec(
  definition: protoLoader.PackageDefinition,
): VerifyBatchCodec {
  const itemsTag = tagOf(
    fieldNumber(definition, 'VerifyBatchRequest', 'items', 'TYPE_MESSAGE', 'LABEL_REPEATED'),
    LENGTH_DELIMITED,
  );
  const [publicKeyTag, messageTag, signatureTag] = (
    ['publicKey', 'message', 'signature'] as const
  ).map((name) =>
    tagOf(
      fieldNumber(definition, 'SignedMessage', name, 'TYPE_BYTES', 'LABEL_OPTIONAL'),
      LENGTH_DELIMITED,
    ),
  ) as [number, number, number];
  const validField = fieldNumber(
    definition,
    'VerifyBatchResponse',
    'valid',
    'TYPE_BOOL',
    'LABEL_REPEATED',
  );

  const itemSize = (item: SignedMessage) =>
    lengthDelimitedSize(publicKeyTag, item.publicKey.length) +
    lengthDelimitedSize(messageTag, item.message.length) +
    lengthDelimitedSize(signatureTag, item.signature.length);

  function serialize({ items }: { items: readonly SignedMessage[] }): Buffer {
    const sizes = items.map(itemSize);
    const total = sizes.reduce((sum, size) => sum + lengthDelimitedSize(itemsTag, size), 0);
    const out = Buffer.allocUnsafe(total);
    let offset = 0;
    const writeVarint = (value: number) => {
      let rest = value;
      while (rest >= 0x80) {
        out[offset++] = (rest % 0x80) | 0x80;
        rest = Math.floor(rest / 0x80);
      }
      out[offset++] = rest;
    };
    const writeBytes = (tag: number, bytes: Uint8Array) => {
      writeVarint(tag);
      writeVarint(bytes.length);
      out.set(bytes, offset);
      offset += bytes.length;
    };
    items.forEach((item, i) => {
      writeVarint(itemsTag);
      writeVarint(sizes[i] as number);
      writeBytes(publicKeyTag, item.publicKey);
      writeBytes(messageTag, item.message);
      writeBytes(signatureTag, item.signature);
    });
    return out;
  }

  /** Accepts `valid` packed (what proto3 writers send) or unpacked, and skips unknown fields. */
  function deserialize(bytes: Buffer): { valid: boolean[] } {
    const valid: boolean[] = [];
    let offset = 0;
    const within = (end: number) => {
      if (end > bytes.length) throw new Error('VerifyBatchResponse is truncated');
      return end;
    };
    const readVarint = () => {
      let value = 0;
      for (let scale = 1; scale <= 2 ** 63; scale *= 0x80) {
        const byte = bytes[within(offset + 1) - 1] as number;
        offset++;
        value += (byte & 0x7f) * scale;
        if (byte < 0x80) return value;
      }
      throw new Error('VerifyBatchResponse holds an over-long varint');
    };
    while (offset < bytes.length) {
      const tag = readVarint();
      const wireType = tag % 8;
      const isValid = Math.floor(tag / 8) === validField;
      if (isValid && wireType === LENGTH_DELIMITED) {
        const end = within(readVarint() + offset);
        while (offset < end) valid.push(readVarint() !== 0);
        if (offset !== end) throw new Error('VerifyBatchResponse has a broken packed field');
      } else if (wireType === VARINT) {
        const value = readVarint();
        if (isValid) valid.push(value !== 0);
      } else if (wireType === LENGTH_DELIMITED) {
        offset = within(readVarint() + offset);
      } else if (wireType === FIXED64 || wireType === FIXED32) {
        offset = within(offset + (wireType === FIXED64 ? 8 : 4));
      } else {
        throw new Error(`VerifyBatchResponse has an unsupported wire type ${wireType}`);
      }
    }
    return { valid };
  }

  return { serialize, deserialize };
}
