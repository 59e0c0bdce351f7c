import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  decodeMessageEnvelope,
  type E2eResult,
  type MembershipView,
  messageSigningBytes,
  openMessage,
  openTitle,
  sealMessage,
  sealTitle,
} from '@anochat/protocol';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import {
  addDevice,
  bitFlips,
  createUser,
  loadSyncProviders,
  membershipView,
  newConversation,
  onlyDevice,
  revokeDevice,
} from '@anochat/test-support/e2e-world';
import type { SyncNacl } from '../js/nacl.ts';

let providers: { wasm: SyncNacl; tweetnacl: SyncNacl };
before(async () => {
  providers = await loadSyncProviders();
});

const replyTarget = randomUUID();
const payloads: MessagePayload[] = [
  { type: 'text', text: 'meet at the station' },
  { type: 'text', text: 'héllo 👋🏽 with a reply', replyTo: replyTarget },
  { type: 'text', text: '' },
  { type: 'edit', messageId: replyTarget, text: 'meet at the museum' },
  { type: 'reaction', messageId: replyTarget, emoji: '👨‍👩‍👧‍👦', on: true },
  { type: 'reaction', messageId: replyTarget, emoji: '👍', on: false },
  { type: 'deletion', messageId: replyTarget },
  {
    type: 'attachment',
    fileName: 'holiday photo.jpg',
    mime: 'image/jpeg',
    size: 2 ** 40 + 3,
    key: new Uint8Array(32).fill(7),
    header: new Uint8Array(24).fill(9),
    contentHash: new Uint8Array(32).fill(11),
    blobId: randomUUID(),
    width: 4000,
    height: 3000,
    preview: new Uint8Array(2000).fill(13),
    caption: 'the bay at dusk',
  },
];

function codeOf<T>(result: E2eResult<T>): string {
  return result.ok ? 'ok' : result.error.code;
}

/** Alice and Bob in one conversation; Alice's device sends. */
function scene(nacl: SyncNacl) {
  const alice = createUser(nacl, 'Alice');
  const bob = createUser(nacl, 'bob');
  const conversation = newConversation(nacl);
  const view = membershipView(nacl, [alice, bob], [alice, bob]);
  const keys = new Map([[conversation.epoch, conversation.key]]);
  const sender = onlyDevice(alice);
  const send = (payload: MessagePayload, id = randomUUID()) => ({
    id,
    bytes: sealMessage(nacl, { id, conversationKey: conversation, payload }, sender),
  });
  const row = (id: string) => ({
    id,
    conversationId: conversation.conversationId,
    senderDeviceId: sender.deviceId,
  });
  return { alice, bob, conversation, view, keys, sender, send, row };
}

for (const name of ['wasm', 'tweetnacl'] as const) {
  describe(`messages (${name})`, () => {
    it('every payload type seals and opens to the same payload, with its sender', () => {
      const nacl = providers[name];
      const { send, row, keys, view, alice, sender } = scene(nacl);
      for (const payload of payloads) {
        const { id, bytes } = send(payload);
        const opened = openMessage(nacl, bytes, row(id), keys, view);
        assert.ok(opened.ok, codeOf(opened));
        assert.deepEqual(opened.value.payload, payload);
        assert.equal(opened.value.senderUserId, alice.identity.userId);
        assert.equal(opened.value.senderDeviceId, sender.deviceId);
        assert.equal(opened.value.id, id);
      }
    });

    it('one flipped bit anywhere in the envelope is refused with a typed code', () => {
      const nacl = providers[name];
      const { send, row, keys, view } = scene(nacl);
      const { id, bytes } = send({ type: 'text', text: 'twenty characters!!!' });
      // tweetnacl verifies at ~60/s: flip one bit per byte there, every bit in WebAssembly.
      const stride = name === 'wasm' ? 1 : 8;
      let index = 0;
      for (const flipped of bitFlips(bytes)) {
        if (index++ % stride !== 0) continue;
        const byte = Math.floor((index - 1) / 8);
        const code = codeOf(openMessage(nacl, flipped, row(id), keys, view));
        const expected =
          byte === 0
            ? ['UNSUPPORTED_VERSION']
            : byte < 5
              ? ['BAD_SIGNATURE', 'MALFORMED']
              : ['BAD_SIGNATURE'];
        assert.ok(expected.includes(code), `byte ${byte}: ${code}`);
      }
    });

    it('a message moved to another conversation, replayed under another id or claimed by another sender is refused', () => {
      const nacl = providers[name];
      const { send, row, keys, view, bob } = scene(nacl);
      const { id, bytes } = send({ type: 'text', text: 'transfer 100 to Bob' });
      assert.equal(codeOf(openMessage(nacl, bytes, row(id), keys, view)), 'ok');
      const otherConversation = { ...row(id), conversationId: randomUUID() };
      const otherSender = { ...row(id), senderDeviceId: onlyDevice(bob).deviceId };
      for (const address of [otherConversation, row(randomUUID()), otherSender]) {
        assert.equal(codeOf(openMessage(nacl, bytes, address, keys, view)), 'BAD_SIGNATURE');
      }
    });

    it('a validly signed ciphertext under another key fails to decrypt, a missing epoch key is named', () => {
      const nacl = providers[name];
      const { send, row, view, conversation } = scene(nacl);
      const { id, bytes } = send({ type: 'text', text: 'hi' });
      const wrongKey = new Map([[conversation.epoch, nacl.randomBytes(32)]]);
      assert.equal(codeOf(openMessage(nacl, bytes, row(id), wrongKey, view)), 'DECRYPT_FAILED');
      assert.equal(codeOf(openMessage(nacl, bytes, row(id), new Map(), view)), 'UNKNOWN_EPOCH');
    });

    it('a sender device that is uncertified, certified by another identity, or revoked is refused', () => {
      const nacl = providers[name];
      const { alice, bob, conversation, keys } = scene(nacl);
      const message = (device: ReturnType<typeof onlyDevice>) => {
        const id = randomUUID();
        const bytes = sealMessage(
          nacl,
          { id, conversationKey: conversation, payload: { type: 'text', text: 'it is me' } },
          device,
        );
        const row = {
          id,
          conversationId: conversation.conversationId,
          senderDeviceId: device.deviceId,
        };
        return { bytes, row };
      };

      // The server registers a device for Alice with no certificate.
      const injected = addDevice(nacl, alice, { certified: false });
      let view: MembershipView = membershipView(nacl, [alice, bob], [alice, bob]);
      let sent = message(injected);
      assert.equal(codeOf(openMessage(nacl, sent.bytes, sent.row, keys, view)), 'UNTRUSTED_DEVICE');

      // The server certifies a device with an identity key of its own.
      const forger = createUser(nacl, 'alice');
      const forged = onlyDevice(forger);
      const forgedPublished = forger.published[0];
      assert.ok(forgedPublished);
      alice.published.push({ ...forgedPublished, userId: alice.identity.userId });
      alice.devices.push({ ...forged, userId: alice.identity.userId });
      view = membershipView(nacl, [alice, bob], [alice, bob]);
      sent = message({ ...forged, userId: alice.identity.userId });
      assert.equal(codeOf(openMessage(nacl, sent.bytes, sent.row, keys, view)), 'UNTRUSTED_DEVICE');

      // A revocation the server made up changes nothing; Alice's own revokes.
      const phone = onlyDevice(alice);
      const phonePublished = alice.published[0];
      assert.ok(phonePublished);
      phonePublished.revocation = forger.published[0]?.certificate ?? null;
      view = membershipView(nacl, [alice, bob], [alice, bob]);
      sent = message(phone);
      assert.equal(codeOf(openMessage(nacl, sent.bytes, sent.row, keys, view)), 'ok');
      revokeDevice(nacl, alice, phone.deviceId);
      view = membershipView(nacl, [alice, bob], [alice, bob]);
      assert.equal(codeOf(openMessage(nacl, sent.bytes, sent.row, keys, view)), 'REVOKED_DEVICE');
    });

    it('a revoked device’s message opens when the server stored it before the revocation, and only then', () => {
      const nacl = providers[name];
      const { alice, bob, sender, send, row, keys } = scene(nacl);
      const sent = send({ type: 'text', text: 'sent from the phone before it was lost' });
      const revokedAt = Date.UTC(2026, 10, 28, 12);
      revokeDevice(nacl, alice, sender.deviceId, revokedAt);
      const view = membershipView(nacl, [alice, bob], [alice, bob]);
      const open = (storedAt?: number) =>
        codeOf(openMessage(nacl, sent.bytes, row(sent.id), keys, view, storedAt));
      assert.equal(open(revokedAt - 1), 'ok');
      assert.equal(open(revokedAt), 'REVOKED_DEVICE');
      assert.equal(open(), 'REVOKED_DEVICE');
    });

    it('a trusted device of a non-member is refused', () => {
      const nacl = providers[name];
      const { alice, bob, conversation, keys } = scene(nacl);
      const mallory = createUser(nacl, 'mallory');
      const view = membershipView(nacl, [alice, bob, mallory], [alice, bob]);
      const id = randomUUID();
      const device = onlyDevice(mallory);
      const bytes = sealMessage(
        nacl,
        { id, conversationKey: conversation, payload: { type: 'text', text: 'let me in' } },
        device,
      );
      const row = {
        id,
        conversationId: conversation.conversationId,
        senderDeviceId: device.deviceId,
      };
      assert.equal(codeOf(openMessage(nacl, bytes, row, keys, view)), 'NOT_A_MEMBER');
    });

    it('a conversation title opens for members, names its sealing device, and only in its conversation', () => {
      const nacl = providers[name];
      const { keys, view, conversation, sender } = scene(nacl);
      const sealed = sealTitle(nacl, conversation, 'Climbing trip', sender);
      const { conversationId } = conversation;
      assert.deepEqual(openTitle(nacl, sealed, conversationId, keys, view), {
        ok: true,
        value: 'Climbing trip',
      });
      assert.equal(codeOf(openTitle(nacl, sealed, randomUUID(), keys, view)), 'BAD_SIGNATURE');
      assert.equal(
        codeOf(openTitle(nacl, sealed.subarray(0, 15), conversationId, keys, view)),
        'MALFORMED',
      );
    });

    it('a title set by a device revoked since opens when the server stored it before the revocation, and only then', () => {
      const nacl = providers[name];
      const { alice, bob, conversation, keys, sender } = scene(nacl);
      const sealed = sealTitle(nacl, conversation, 'Book club', sender);
      const revokedAt = Date.UTC(2026, 11, 1, 9);
      revokeDevice(nacl, alice, sender.deviceId, revokedAt);
      const view = membershipView(nacl, [alice, bob], [alice, bob]);
      const open = (titleChangedAt?: number) =>
        openTitle(nacl, sealed, conversation.conversationId, keys, view, titleChangedAt);
      assert.deepEqual(open(revokedAt - 1), { ok: true, value: 'Book club' });
      assert.equal(codeOf(open(revokedAt)), 'REVOKED_DEVICE');
      // A title whose time is unknown (set before the server kept it) is judged as sent now.
      assert.equal(codeOf(open()), 'REVOKED_DEVICE');
      // The time only excuses a revocation: a forged or moved title still fails.
      assert.equal(
        codeOf(openTitle(nacl, sealed, randomUUID(), keys, view, revokedAt - 1)),
        'BAD_SIGNATURE',
      );
    });

    it('the signature covers every field: the signed bytes change with each of them', () => {
      const nacl = providers[name];
      const { send, row } = scene(nacl);
      const { id, bytes } = send({ type: 'text', text: 'x' });
      const decoded = decodeMessageEnvelope(bytes, row(id));
      assert.ok(decoded.ok);
      const base = messageSigningBytes(decoded.value);
      const variants = [
        { ...decoded.value, id: randomUUID() },
        { ...decoded.value, conversationId: randomUUID() },
        { ...decoded.value, epoch: decoded.value.epoch + 1 },
        { ...decoded.value, senderDeviceId: randomUUID() },
        { ...decoded.value, nonce: nacl.randomBytes(24) },
        { ...decoded.value, ciphertext: decoded.value.ciphertext.subarray(1) },
      ];
      for (const variant of variants) assert.notDeepEqual(messageSigningBytes(variant), base);
    });
  });
}

describe('messages: WebAssembly and tweetnacl interoperate', () => {
  for (const [from, to] of [
    ['wasm', 'tweetnacl'],
    ['tweetnacl', 'wasm'],
  ] as const) {
    it(`sealed with ${from}, opened with ${to}`, () => {
      const { send, row, keys, alice, bob } = scene(providers[from]);
      const view = membershipView(providers[to], [alice, bob], [alice, bob]);
      for (const payload of payloads) {
        const { id, bytes } = send(payload);
        const opened = openMessage(providers[to], bytes, row(id), keys, view);
        assert.ok(opened.ok, codeOf(opened));
        assert.deepEqual(opened.value.payload, payload);
      }
    });
  }
});
