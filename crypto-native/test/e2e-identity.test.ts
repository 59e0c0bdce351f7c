import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  createDeviceCertificate,
  createDeviceRevocation,
  decodeDeviceCertificate,
  type E2eResult,
  encodeDeviceCertificate,
  newDeviceKeys,
  safetyNumber,
  trustedDevices,
  verifyDeviceCertificate,
  verifyDeviceRevocation,
} from '@anochat/protocol';
import {
  addDevice,
  bitFlips,
  createUser,
  loadSyncProviders,
  revokeDevice,
} from '@anochat/test-support/e2e-world';
import type { SyncNacl } from '../js/nacl.ts';

let providers: { wasm: SyncNacl; tweetnacl: SyncNacl };
before(async () => {
  providers = await loadSyncProviders();
});

function codeOf<T>(result: E2eResult<T>): string {
  return result.ok ? 'ok' : result.error.code;
}

for (const name of ['wasm', 'tweetnacl'] as const) {
  describe(`device certificates and revocations (${name})`, () => {
    it('a certificate verifies for exactly its user and keys, under exactly its identity key', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'Alice');
      const bob = createUser(nacl, 'bob');
      const device = alice.published[0];
      assert.ok(device?.certificate);
      const expected = {
        username: 'ALICE',
        boxPublicKey: device.boxPublicKey,
        signPublicKey: device.signPublicKey,
      };
      const verified = verifyDeviceCertificate(
        nacl,
        alice.identity.identityPublicKey,
        device.certificate,
        expected,
      );
      assert.ok(verified.ok, codeOf(verified));
      assert.equal(verified.value.username, 'alice');

      const check = (
        changes: Partial<typeof expected>,
        identity = alice.identity.identityPublicKey,
      ) =>
        codeOf(
          verifyDeviceCertificate(nacl, identity, device.certificate ?? new Uint8Array(), {
            ...expected,
            ...changes,
          }),
        );
      assert.equal(check({ username: 'bob' }), 'CERTIFICATE_MISMATCH');
      assert.equal(
        check({ boxPublicKey: newDeviceKeys(nacl).box.publicKey }),
        'CERTIFICATE_MISMATCH',
      );
      assert.equal(
        check({ signPublicKey: newDeviceKeys(nacl).sign.publicKey }),
        'CERTIFICATE_MISMATCH',
      );
      assert.equal(check({}, bob.identity.identityPublicKey), 'BAD_SIGNATURE');

      // A certificate re-labelled for another user (Bob claiming Alice's device) breaks the signature.
      const decoded = decodeDeviceCertificate(device.certificate);
      assert.ok(decoded.ok);
      const relabelled = encodeDeviceCertificate({ ...decoded.value, username: 'bob' });
      assert.equal(
        codeOf(
          verifyDeviceCertificate(nacl, alice.identity.identityPublicKey, relabelled, {
            ...expected,
            username: 'bob',
          }),
        ),
        'BAD_SIGNATURE',
      );
      for (const flipped of bitFlips(device.certificate, 1)) {
        const code = codeOf(
          verifyDeviceCertificate(nacl, alice.identity.identityPublicKey, flipped, expected),
        );
        assert.ok(['BAD_SIGNATURE', 'CERTIFICATE_MISMATCH', 'MALFORMED'].includes(code), code);
        if (name === 'tweetnacl') break; // one is enough at tweetnacl's speed; every bit in WebAssembly
      }
    });

    it('a revocation verifies only for its device and under its identity key', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice', 2);
      const mallory = createUser(nacl, 'mallory');
      const [phone, laptop] = alice.published;
      assert.ok(phone && laptop);
      const revocation = createDeviceRevocation(nacl, alice.identityKeys.secretKey, {
        username: 'alice',
        signPublicKey: phone.signPublicKey,
        revokedAt: 1_700_000_000_000,
      });
      const verified = verifyDeviceRevocation(nacl, alice.identity.identityPublicKey, revocation, {
        username: 'alice',
        signPublicKey: phone.signPublicKey,
      });
      assert.ok(verified.ok, codeOf(verified));
      assert.equal(verified.value.revokedAt, 1_700_000_000_000);
      assert.equal(
        codeOf(
          verifyDeviceRevocation(nacl, alice.identity.identityPublicKey, revocation, {
            username: 'alice',
            signPublicKey: laptop.signPublicKey,
          }),
        ),
        'CERTIFICATE_MISMATCH',
      );
      assert.equal(
        codeOf(
          verifyDeviceRevocation(nacl, mallory.identity.identityPublicKey, revocation, {
            username: 'alice',
            signPublicKey: phone.signPublicKey,
          }),
        ),
        'BAD_SIGNATURE',
      );
      // A device certificate is not a revocation, even for the same keys.
      assert.notEqual(
        codeOf(
          verifyDeviceRevocation(
            nacl,
            alice.identity.identityPublicKey,
            phone.certificate ?? new Uint8Array(),
            { username: 'alice', signPublicKey: phone.signPublicKey },
          ),
        ),
        'ok',
      );
    });

    it('trustedDevices keeps certified, unrevoked devices of the user and nothing else', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice', 3);
      const server = createUser(nacl, 'alice-by-the-server');
      const uncertified = addDevice(nacl, alice, { certified: false });
      const [kept, revoked, fakeRevoked] = alice.devices;
      assert.ok(kept && revoked && fakeRevoked);
      revokeDevice(nacl, alice, revoked.deviceId);
      // A revocation signed by someone else's identity key is ignored.
      const fake = alice.published.find((device) => device.id === fakeRevoked.deviceId);
      assert.ok(fake);
      fake.revocation = createDeviceRevocation(nacl, server.identityKeys.secretKey, {
        username: 'alice',
        signPublicKey: fake.signPublicKey,
        revokedAt: Date.now(),
      });
      // A device the server certified with its own key, and a device of another user.
      const serverDevice = server.published[0];
      assert.ok(serverDevice);
      const injected = { ...serverDevice, userId: alice.identity.userId, id: randomUUID() };
      const otherUsers = {
        ...(alice.published[0] ?? serverDevice),
        userId: server.identity.userId,
        id: randomUUID(),
      };
      const trusted = trustedDevices(nacl, alice.identity, [
        ...alice.published,
        injected,
        otherUsers,
      ]);
      assert.deepEqual(
        trusted.map((device) => device.id).sort(),
        [kept.deviceId, fakeRevoked.deviceId].sort(),
      );
      assert.ok(!trusted.some((device) => device.id === uncertified.deviceId));
    });

    it('a certified device whose box key has small order is not trusted (it would break every box)', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice');
      const keys = newDeviceKeys(nacl);
      // u = 1: a point of order 4 (RFC 7748 lists the small-order u-coordinates).
      const smallOrder = new Uint8Array(32);
      smallOrder[0] = 1;
      const certificate = createDeviceCertificate(nacl, alice.identityKeys.secretKey, {
        username: 'alice',
        boxPublicKey: smallOrder,
        signPublicKey: keys.sign.publicKey,
        createdAt: 1,
      });
      const weak = {
        id: randomUUID(),
        userId: alice.identity.userId,
        boxPublicKey: smallOrder,
        signPublicKey: keys.sign.publicKey,
        certificate,
        revocation: null,
      };
      const trusted = trustedDevices(nacl, alice.identity, [...alice.published, weak]);
      assert.deepEqual(
        trusted.map((device) => device.id),
        [alice.devices[0]?.deviceId],
      );
    });

    it('refuses to certify with a wrong-sized key, a bad username or a non-integer time', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice');
      const keys = newDeviceKeys(nacl);
      const good = {
        username: 'alice',
        boxPublicKey: keys.box.publicKey,
        signPublicKey: keys.sign.publicKey,
        createdAt: 1,
      };
      for (const bad of [
        { ...good, username: 'al' },
        { ...good, boxPublicKey: new Uint8Array(31) },
        { ...good, createdAt: 1.5 },
        { ...good, createdAt: -1 },
      ]) {
        assert.throws(() => createDeviceCertificate(nacl, alice.identityKeys.secretKey, bad), {
          name: 'E2eError',
          code: 'INVALID_INPUT',
        });
      }
    });
  });

  describe(`safety numbers (${name})`, () => {
    it('12 groups of 5 digits, the same on both sides, and a QR payload carrying them', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice');
      const bob = createUser(nacl, 'bob');
      const a = { username: 'alice', identityPublicKey: alice.identity.identityPublicKey };
      const b = { username: 'Bob', identityPublicKey: bob.identity.identityPublicKey };
      const seenByAlice = safetyNumber(nacl, a, b);
      const seenByBob = safetyNumber(nacl, b, a);
      assert.deepEqual(seenByBob, seenByAlice);
      assert.equal(seenByAlice.groups.length, 12);
      for (const group of seenByAlice.groups) assert.match(group, /^\d{5}$/);
      assert.equal(seenByAlice.digits, seenByAlice.groups.join(''));
      assert.equal(seenByAlice.qrPayload, `anochat:safety:v1:${seenByAlice.digits}`);
    });

    it('changes when either identity key changes', () => {
      const nacl = providers[name];
      const alice = createUser(nacl, 'alice');
      const bob = createUser(nacl, 'bob');
      const newBob = createUser(nacl, 'bob');
      const a = { username: 'alice', identityPublicKey: alice.identity.identityPublicKey };
      const before = safetyNumber(nacl, a, {
        username: 'bob',
        identityPublicKey: bob.identity.identityPublicKey,
      });
      const after = safetyNumber(nacl, a, {
        username: 'bob',
        identityPublicKey: newBob.identity.identityPublicKey,
      });
      assert.notEqual(after.digits, before.digits);
      const flippedKey = alice.identity.identityPublicKey.slice();
      flippedKey[31] = (flippedKey[31] ?? 0) ^ 1;
      const flipped = safetyNumber(
        nacl,
        { username: 'alice', identityPublicKey: flippedKey },
        { username: 'bob', identityPublicKey: bob.identity.identityPublicKey },
      );
      assert.notEqual(flipped.digits, before.digits);
    });
  });
}

describe('identity: WebAssembly and tweetnacl agree', () => {
  it('certificates made by one verify with the other, and both compute the same safety number', () => {
    for (const [from, to] of [
      ['wasm', 'tweetnacl'],
      ['tweetnacl', 'wasm'],
    ] as const) {
      const alice = createUser(providers[from], 'alice', 2);
      revokeDevice(providers[from], alice, alice.devices[1]?.deviceId ?? '');
      const trusted = trustedDevices(providers[to], alice.identity, alice.published);
      assert.deepEqual(
        trusted.map((device) => device.id),
        [alice.devices[0]?.deviceId],
      );
      const bob = createUser(providers[from], 'bob');
      const a = { username: 'alice', identityPublicKey: alice.identity.identityPublicKey };
      const b = { username: 'bob', identityPublicKey: bob.identity.identityPublicKey };
      assert.deepEqual(safetyNumber(providers[to], a, b), safetyNumber(providers[from], b, a));
    }
  });
});
