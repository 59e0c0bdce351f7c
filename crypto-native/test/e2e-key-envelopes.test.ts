import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  decodeKeyEnvelope,
  E2eError,
  type E2eResult,
  encodeKeyEnvelope,
  needsNewEpoch,
  newConversationKey,
  openKeyEnvelope,
  openMessage,
  sealMessage,
  wrapConversationKey,
  wrapConversationKeyForMembers,
} from '@anochat/protocol';
import { EPOCH_MAX_AGE_MS, EPOCH_MAX_MESSAGES } from '@anochat/schemas/e2e/limits';
import {
  addDevice,
  bitFlips,
  createUser,
  loadSyncProviders,
  membershipView,
  newConversation,
  onlyDevice,
  revokeDevice,
  type TestUser,
} from '@anochat/test-support/e2e-world';
import type { SyncNacl } from '../js/nacl.ts';

let providers: { wasm: SyncNacl; tweetnacl: SyncNacl };
before(async () => {
  providers = await loadSyncProviders();
});

function codeOf<T>(result: E2eResult<T>): string {
  return result.ok ? 'ok' : result.error.code;
}

function trustedDevice(nacl: SyncNacl, everyone: TestUser[], members: TestUser[], id: string) {
  const device = membershipView(nacl, everyone, members).directory.trusted.get(id);
  assert.ok(device, `device ${id} is trusted`);
  return device;
}

for (const name of ['wasm', 'tweetnacl'] as const) {
  describe(`key envelopes (${name})`, () => {
    it('the creator wraps the epoch key for every other trusted member device; each opens it', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice', 2);
      const bob = createUser(nacl, 'bob', 2);
      addDevice(nacl, bob, { certified: false });
      const view = membershipView(nacl, [alice, bob], [alice, bob]);
      const conversation = newConversation(nacl);
      const [creator] = alice.devices;
      assert.ok(creator);
      const envelopes = wrapConversationKeyForMembers(nacl, conversation, creator, view);
      // Alice's second device and Bob's two certified ones; not the creator, not Bob's uncertified.
      assert.deepEqual(
        envelopes.map((envelope) => envelope.recipientDeviceId).sort(),
        [alice.devices[1], bob.devices[0], bob.devices[1]].map((device) => device?.deviceId).sort(),
      );
      for (const { recipientDeviceId, envelope } of envelopes) {
        const recipient = [...alice.devices, ...bob.devices].find(
          (d) => d.deviceId === recipientDeviceId,
        );
        assert.ok(recipient);
        const opened = openKeyEnvelope(nacl, envelope, recipient, view, conversation);
        assert.ok(opened.ok, codeOf(opened));
        assert.deepEqual(opened.value.key, conversation.key);
        assert.equal(opened.value.senderDeviceId, creator.deviceId);
      }
    });

    it('refuses: another recipient, another conversation or epoch, a flipped bit, a forged sender', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice');
      const bob = createUser(nacl, 'bob', 2);
      const view = membershipView(nacl, [alice, bob], [alice, bob]);
      const conversation = newConversation(nacl, 3);
      const [bobPhone, bobLaptop] = bob.devices;
      assert.ok(bobPhone && bobLaptop);
      const envelope = wrapConversationKey(
        nacl,
        conversation,
        onlyDevice(alice),
        trustedDevice(nacl, [alice, bob], [alice, bob], bobPhone.deviceId),
        view.members,
      );
      assert.equal(codeOf(openKeyEnvelope(nacl, envelope, bobPhone, view, conversation)), 'ok');
      assert.equal(
        codeOf(openKeyEnvelope(nacl, envelope, bobLaptop, view, conversation)),
        'WRONG_RECIPIENT',
      );
      const elsewhere = { conversationId: randomUUID(), epoch: 3 };
      assert.equal(
        codeOf(openKeyEnvelope(nacl, envelope, bobPhone, view, elsewhere)),
        'WRONG_CONVERSATION',
      );
      const laterEpoch = { conversationId: conversation.conversationId, epoch: 4 };
      assert.equal(
        codeOf(openKeyEnvelope(nacl, envelope, bobPhone, view, laterEpoch)),
        'WRONG_EPOCH',
      );

      const stride = name === 'wasm' ? 1 : 8;
      let index = 0;
      for (const flipped of bitFlips(envelope)) {
        if (index++ % stride !== 0) continue;
        const result = openKeyEnvelope(nacl, flipped, bobPhone, view, conversation);
        assert.equal(result.ok, false, `bit ${index - 1}`);
      }

      // Rewritten to name Bob's laptop as recipient: the signature no longer verifies.
      const decoded = decodeKeyEnvelope(envelope);
      assert.ok(decoded.ok);
      const readdressed = encodeKeyEnvelope({
        ...decoded.value,
        recipientDeviceId: bobLaptop.deviceId,
      });
      assert.equal(
        codeOf(openKeyEnvelope(nacl, readdressed, bobLaptop, view, conversation)),
        'BAD_SIGNATURE',
      );
    });

    it('refuses key envelopes from a non-member, an uncertified or a revoked device', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice', 2);
      const bob = createUser(nacl, 'bob');
      const mallory = createUser(nacl, 'mallory');
      const injected = addDevice(nacl, alice, { certified: false });
      const conversation = newConversation(nacl);
      const everyone = [alice, bob, mallory];
      const members = [alice, bob];
      const bobDevice = onlyDevice(bob);
      const toBob = trustedDevice(nacl, everyone, members, bobDevice.deviceId);
      const allAsMembers = new Set(everyone.map((user) => user.identity.userId));
      const from = (device: typeof bobDevice) =>
        wrapConversationKey(nacl, conversation, device, toBob, allAsMembers);

      const view = () => membershipView(nacl, everyone, members);
      assert.equal(
        codeOf(openKeyEnvelope(nacl, from(onlyDevice(mallory)), bobDevice, view(), conversation)),
        'NOT_A_MEMBER',
      );
      assert.equal(
        codeOf(openKeyEnvelope(nacl, from(injected), bobDevice, view(), conversation)),
        'UNTRUSTED_DEVICE',
      );
      const [lostPhone] = alice.devices;
      assert.ok(lostPhone);
      const revokedAt = Date.UTC(2026, 10, 28, 12);
      revokeDevice(nacl, alice, lostPhone.deviceId, revokedAt);
      assert.equal(
        codeOf(openKeyEnvelope(nacl, from(lostPhone), bobDevice, view(), conversation)),
        'REVOKED_DEVICE',
      );
      // What the lost phone sent before its revocation still opens: history survives.
      const at = (storedAt: number) => ({ ...conversation, storedAt });
      const sent = from(lostPhone);
      assert.equal(codeOf(openKeyEnvelope(nacl, sent, bobDevice, view(), at(revokedAt - 1))), 'ok');
      assert.equal(
        codeOf(openKeyEnvelope(nacl, sent, bobDevice, view(), at(revokedAt))),
        'REVOKED_DEVICE',
      );
    });

    it('a device refuses a key envelope for a conversation its user is not a member of', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice');
      const bob = createUser(nacl, 'bob');
      const conversation = newConversation(nacl);
      const bobDevice = onlyDevice(bob);
      const toBob = trustedDevice(nacl, [alice, bob], [alice, bob], bobDevice.deviceId);
      const envelope = wrapConversationKey(
        nacl,
        conversation,
        onlyDevice(alice),
        toBob,
        new Set([alice.identity.userId, bob.identity.userId]),
      );
      const bobNotMember = membershipView(nacl, [alice, bob], [alice]);
      assert.equal(
        codeOf(openKeyEnvelope(nacl, envelope, bobDevice, bobNotMember, conversation)),
        'NOT_A_MEMBER',
      );
    });

    it('wrapping a key for a device of a non-member is refused before anything is sealed', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice');
      const eve = createUser(nacl, 'eve');
      const view = membershipView(nacl, [alice, eve], [alice]);
      const toEve = trustedDevice(nacl, [alice, eve], [alice, eve], onlyDevice(eve).deviceId);
      assert.throws(
        () =>
          wrapConversationKey(nacl, newConversation(nacl), onlyDevice(alice), toEve, view.members),
        (error: unknown) => error instanceof E2eError && error.code === 'NOT_A_MEMBER',
      );
      const envelopes = wrapConversationKeyForMembers(
        nacl,
        newConversation(nacl),
        onlyDevice(alice),
        view,
      );
      assert.deepEqual(envelopes, []);
    });

    it('a removed member cannot open messages of the next epoch; the others can', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice');
      const bob = createUser(nacl, 'bob');
      const carol = createUser(nacl, 'carol');
      const everyone = [alice, bob, carol];
      const sender = onlyDevice(alice);
      const epoch0 = newConversation(nacl, 0);
      const keyrings = new Map<string, Map<number, Uint8Array>>();
      const deliver = (conversationKey: typeof epoch0, members: TestUser[]) => {
        const view = membershipView(nacl, everyone, members);
        keyrings.set(
          sender.deviceId,
          new Map([
            ...(keyrings.get(sender.deviceId) ?? []),
            [conversationKey.epoch, conversationKey.key],
          ]),
        );
        for (const { recipientDeviceId, envelope } of wrapConversationKeyForMembers(
          nacl,
          conversationKey,
          sender,
          view,
        )) {
          const recipient = everyone
            .flatMap((user) => user.devices)
            .find((d) => d.deviceId === recipientDeviceId);
          assert.ok(recipient);
          const opened = openKeyEnvelope(nacl, envelope, recipient, view, conversationKey);
          assert.ok(opened.ok, codeOf(opened));
          const ring = keyrings.get(recipientDeviceId) ?? new Map<number, Uint8Array>();
          ring.set(opened.value.epoch, opened.value.key);
          keyrings.set(recipientDeviceId, ring);
        }
      };
      deliver(epoch0, everyone);
      assert.equal(
        needsNewEpoch({
          epochStartedAt: 0,
          messagesInEpoch: 1,
          now: 1,
          membershipChanged: true,
          deviceRevoked: false,
        }),
        true,
      );
      // Carol is removed: epoch 1 with a new key, wrapped only for Alice's and Bob's devices.
      const epoch1 = {
        conversationId: epoch0.conversationId,
        epoch: 1,
        key: newConversationKey(nacl),
      };
      deliver(epoch1, [alice, bob]);

      const id = randomUUID();
      const bytes = sealMessage(
        nacl,
        { id, conversationKey: epoch1, payload: { type: 'text', text: 'after Carol left' } },
        sender,
      );
      const row = { id, conversationId: epoch0.conversationId, senderDeviceId: sender.deviceId };
      const readAs = (user: TestUser, members: TestUser[]) =>
        openMessage(
          nacl,
          bytes,
          row,
          keyrings.get(onlyDevice(user).deviceId) ?? new Map(),
          membershipView(nacl, everyone, members),
        );
      assert.equal(codeOf(readAs(bob, [alice, bob])), 'ok');
      // Even if her client still counted everyone as members, Carol has no key for epoch 1.
      assert.equal(codeOf(readAs(carol, everyone)), 'UNKNOWN_EPOCH');
      // And a guessed key does not open it.
      const guessed = new Map([[1, newConversationKey(nacl)]]);
      assert.equal(
        codeOf(openMessage(nacl, bytes, row, guessed, membershipView(nacl, everyone, everyone))),
        'DECRYPT_FAILED',
      );
    });
  });
}

describe('key envelopes: WebAssembly and tweetnacl interoperate', () => {
  for (const [from, to] of [
    ['wasm', 'tweetnacl'],
    ['tweetnacl', 'wasm'],
  ] as const) {
    it(`wrapped with ${from}, opened with ${to}`, () => {
      const alice = createUser(providers[from], 'alice');
      const bob = createUser(providers[from], 'bob');
      const conversation = newConversation(providers[from]);
      const members = [alice, bob];
      const envelopes = wrapConversationKeyForMembers(
        providers[from],
        conversation,
        onlyDevice(alice),
        membershipView(providers[from], members, members),
      );
      const [only] = envelopes;
      assert.ok(only && envelopes.length === 1);
      const opened = openKeyEnvelope(
        providers[to],
        only.envelope,
        onlyDevice(bob),
        membershipView(providers[to], members, members),
        conversation,
      );
      assert.ok(opened.ok, codeOf(opened));
      assert.deepEqual(opened.value.key, conversation.key);
    });
  }
});

describe('epoch rotation rule', () => {
  const day = 24 * 60 * 60 * 1000;
  const steady = {
    epochStartedAt: 0,
    messagesInEpoch: 0,
    now: day,
    membershipChanged: false,
    deviceRevoked: false,
  };
  it('keeps the epoch while nothing calls for a new one', () => {
    assert.equal(needsNewEpoch(steady), false);
    assert.equal(needsNewEpoch({ ...steady, messagesInEpoch: EPOCH_MAX_MESSAGES - 1 }), false);
    assert.equal(needsNewEpoch({ ...steady, now: EPOCH_MAX_AGE_MS - 1 }), false);
  });
  it('starts a new epoch on removal, revocation, 1,000 messages or 7 days', () => {
    assert.equal(EPOCH_MAX_MESSAGES, 1000);
    assert.equal(EPOCH_MAX_AGE_MS, 7 * day);
    assert.equal(needsNewEpoch({ ...steady, membershipChanged: true }), true);
    assert.equal(needsNewEpoch({ ...steady, deviceRevoked: true }), true);
    assert.equal(needsNewEpoch({ ...steady, messagesInEpoch: EPOCH_MAX_MESSAGES }), true);
    assert.equal(needsNewEpoch({ ...steady, now: 7 * day }), true);
  });
});
