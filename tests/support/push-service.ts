/**
 * A stand-in for a browser's push service (Google's FCM, Mozilla's autopush, Apple's...), which is
 * outside this machine: a local HTTP server that speaks the server side of the Web Push protocol.
 * It takes the encrypted POST of a push (RFC 8030), checks its VAPID Authorization header (RFC
 * 8292: a JWT signed ES256 by the key it names, for this service's origin, not expired), and
 * decrypts the aes128gcm body (RFC 8188) with the subscription's private key and auth secret (RFC
 * 8291), written here with node:crypto only, so that what a test sees does not depend on the
 * library that encrypted it. A subscription can be made to answer 410 Gone, as a push service does
 * once the person revoked the permission.
 */
import assert from 'node:assert/strict';
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  type ECDH,
  hkdfSync,
  randomBytes,
  verify,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPush {
  /** The subscription's id (the last path segment of its endpoint). */
  subscription: string;
  /** The VAPID public key that signed it (base64url). */
  vapidKey: string;
  /** The JWT's claims. */
  claims: { aud: string; exp: number; sub: string };
  ttl: string | null;
  urgency: string | null;
  /** The decrypted payload, padding removed. */
  plaintext: string;
}

export interface TestSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const b64url = (bytes: Buffer) => bytes.toString('base64url');

function hkdf(salt: Buffer, ikm: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/** RFC 8292: `vapid t=<jwt>, k=<public key>`, the JWT signed by k, for `audience`. */
function checkVapid(header: string | undefined, audience: string) {
  const match = /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  assert.ok(match, `Authorization is not a VAPID header: ${header}`);
  const [, token, key] = match as unknown as [string, string, string];
  const [head, body, signature] = token.split('.') as [string, string, string];
  assert.deepEqual(JSON.parse(Buffer.from(head, 'base64url').toString()), {
    typ: 'JWT',
    alg: 'ES256',
  });
  const point = Buffer.from(key, 'base64url');
  assert.equal(point.length, 65);
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: b64url(point.subarray(1, 33)),
      y: b64url(point.subarray(33)),
    },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  assert.ok(signed, 'the VAPID JWT is not signed by the key it names');
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as ReceivedPush['claims'];
  assert.equal(claims.aud, audience);
  assert.ok(claims.exp > Date.now() / 1000, 'the VAPID JWT has expired');
  assert.ok(claims.exp <= Date.now() / 1000 + 24 * 3600, 'a VAPID JWT lives at most 24 hours');
  return { key, claims };
}

/** RFC 8291 and 8188: one aes128gcm record, keyed by ECDH with the sender's ephemeral key. */
function decrypt(body: Buffer, receiver: ECDH, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  assert.equal(idLength, 65, 'the key id is the sender’s uncompressed P-256 public key');
  assert.ok(record.length <= recordSize, 'a push is one record');
  const secret = receiver.computeSecret(senderKey);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0'),
    receiver.getPublicKey(),
    senderKey,
  ]);
  const ikm = hkdf(authSecret, secret, keyInfo, 32);
  const key = hkdf(salt, ikm, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(salt, ikm, Buffer.from('Content-Encoding: nonce\0'), 12);
  const decipher = createDecipheriv('aes-128-gcm', key, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([
    decipher.update(record.subarray(0, record.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  assert.equal(padded[end], 2, 'the last record’s delimiter');
  return padded.subarray(0, end).toString('utf8');
}

export async function startPushService() {
  const receivers = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const gone = new Set<string>();
  const received: ReceivedPush[] = [];
  const problems: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = (request.url ?? '').split('/').at(-1) ?? '';
      try {
        assert.equal(request.method, 'POST');
        if (gone.has(id) || !receivers.has(id)) {
          response.writeHead(410).end();
          return;
        }
        assert.equal(request.headers['content-encoding'], 'aes128gcm');
        const { key, claims } = checkVapid(request.headers.authorization, origin);
        const receiver = receivers.get(id) as { ecdh: ECDH; auth: Buffer };
        received.push({
          subscription: id,
          vapidKey: key,
          claims,
          ttl: (request.headers.ttl as string | undefined) ?? null,
          urgency: (request.headers.urgency as string | undefined) ?? null,
          plaintext: decrypt(Buffer.concat(chunks), receiver.ecdh, receiver.auth),
        });
        response.writeHead(201).end();
      } catch (error) {
        problems.push(String(error));
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    received,
    /** Pushes this service refused (a bad signature, an undecryptable body): none is expected. */
    problems,
    /** A new subscription, as a browser's `PushSubscription.toJSON()` gives it. */
    subscribe(): TestSubscription {
      const id = randomBytes(8).toString('hex');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      receivers.set(id, { ecdh, auth });
      return {
        id,
        endpoint: `${origin}/push/${id}`,
        keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) },
      };
    },
    /** From now on this subscription answers 410 Gone. */
    unsubscribe(id: string): void {
      gone.add(id);
    },
    pushesTo: (id: string) => received.filter((push) => push.subscription === id),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
