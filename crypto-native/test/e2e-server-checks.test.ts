import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  checkKeyEnvelopeRow,
  checkMessageRow,
  decodeDeviceCertificate,
  deviceCertificateSigningBytes,
  encodeBase64,
  sealMessage,
  wrapConversationKeyForMembers,
} from '@anochat/protocol';
import {
  createUser,
  membershipView,
  newConversation,
  onlyDevice,
} from '@anochat/test-support/e2e-world';
import type { SignedMessage } from '../js/nacl.ts';
import { openProviders, type Providers } from './support/providers.ts';

/**
 * What the sync server will do with a push batch, with no key and no Nacl of its own: the pure row
 * checks, then one VerifyBatch call to the real native crypto server over gRPC.
 */

let providers: Providers;
before(async () => {
  providers = await openProviders();
});
after(() => providers.close());

describe('server-side checks with the pure functions and gRPC VerifyBatch', () => {
  it('a push batch: forged rows are refused per row, genuine ones verify in one call', async () => {
    const nacl = providers.wasm;
    const alice = createUser(nacl, 'alice');
    const bob = createUser(nacl, 'bob');
    const conversation = newConversation(nacl);
    const device = onlyDevice(alice);
    const rows = Array.from({ length: 6 }, (_, i) => {
      const id = randomUUID();
      const bytes = sealMessage(
        nacl,
        { id, conversationKey: conversation, payload: { type: 'text', text: `message ${i}` } },
        device,
      );
      return {
        id,
        conversationId: conversation.conversationId,
        senderDeviceId: device.deviceId,
        envelope: encodeBase64(bytes),
      };
    });
    const [genuine, moved, replayed, flipped, garbage, stranger] = rows;
    assert.ok(genuine && moved && replayed && flipped && garbage && stranger);
    moved.conversationId = randomUUID();
    replayed.id = randomUUID();
    const flippedBytes = Buffer.from(flipped.envelope, 'base64');
    flippedBytes[flippedBytes.length - 1] = (flippedBytes.at(-1) ?? 0) ^ 1;
    flipped.envelope = flippedBytes.toString('base64');
    garbage.envelope = 'AA==';
    stranger.senderDeviceId = onlyDevice(bob).deviceId;

    const checked = rows.map(checkMessageRow);
    assert.deepEqual(
      checked.map((result) => (result.ok ? 'ok' : result.error.code)),
      ['ok', 'ok', 'ok', 'ok', 'UNSUPPORTED_VERSION', 'ok'],
    );
    // The server looks up the sender device's registered signing key and verifies the rest at once:
    // an envelope is signed over its row's address, so moved, replayed and re-attributed rows fail.
    const batch: SignedMessage[] = checked.flatMap((result) =>
      result.ok
        ? [
            {
              publicKey: device.sign.publicKey,
              message: result.value.signedBytes,
              signature: result.value.envelope.signature,
            },
          ]
        : [],
    );
    assert.deepEqual(await providers.grpc.verifyBatch(batch), [true, false, false, false, false]);
  });

  it('key envelope rows: the columns must equal the signed fields, and signatures verify natively', async () => {
    const nacl = providers.tweetnacl;
    const alice = createUser(nacl, 'alice');
    const bob = createUser(nacl, 'bob', 2);
    const conversation = newConversation(nacl, 7);
    const sender = onlyDevice(alice);
    const envelopes = wrapConversationKeyForMembers(
      nacl,
      conversation,
      sender,
      membershipView(nacl, [alice, bob], [alice, bob]),
    );
    const rows = envelopes.map(({ recipientDeviceId, envelope }) => ({
      conversationId: conversation.conversationId,
      epoch: 7,
      recipientDeviceId,
      senderDeviceId: sender.deviceId,
      envelope: encodeBase64(envelope),
    }));
    const [first, second] = rows;
    assert.ok(first && second);
    const checked = [
      checkKeyEnvelopeRow(first),
      checkKeyEnvelopeRow(second),
      checkKeyEnvelopeRow({ ...first, recipientDeviceId: second.recipientDeviceId }),
      checkKeyEnvelopeRow({ ...first, epoch: 8 }),
      checkKeyEnvelopeRow({ ...first, conversationId: randomUUID() }),
      checkKeyEnvelopeRow({ ...first, senderDeviceId: randomUUID() }),
      checkKeyEnvelopeRow({ ...first, envelope: `${first.envelope.slice(0, -4)}!!!=` }),
    ];
    assert.deepEqual(
      checked.map((result) => (result.ok ? 'ok' : result.error.code)),
      [
        'ok',
        'ok',
        'WRONG_RECIPIENT',
        'WRONG_EPOCH',
        'WRONG_CONVERSATION',
        'WRONG_SENDER',
        'MALFORMED',
      ],
    );
    const batch = checked.flatMap((result) =>
      result.ok
        ? [
            {
              publicKey: sender.sign.publicKey,
              message: result.value.signedBytes,
              signature: result.value.envelope.signature,
            },
          ]
        : [],
    );
    assert.deepEqual(await providers.grpc.verifyBatch(batch), [true, true]);
  });

  it('a device certificate verifies natively from its bytes and the identity key alone', async () => {
    const alice = createUser(providers.wasm, 'alice');
    const mallory = createUser(providers.wasm, 'mallory');
    const certificate = alice.published[0]?.certificate;
    assert.ok(certificate);
    const decoded = decodeDeviceCertificate(certificate);
    assert.ok(decoded.ok);
    const item = (publicKey: Uint8Array) => ({
      publicKey,
      message: deviceCertificateSigningBytes(decoded.value),
      signature: decoded.value.signature,
    });
    assert.deepEqual(
      await providers.grpc.verifyBatch([
        item(alice.identity.identityPublicKey),
        item(mallory.identity.identityPublicKey),
      ]),
      [true, false],
    );
  });
});
