import type { SyncNacl } from '../js/nacl.ts';

export interface Measurement {
  operation: string;
  value: number;
  unit: 'ops/s' | 'MB/s' | 'signatures/s';
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** Calls `run` until `budgetMs` has passed and returns calls per second. */
export function rate(run: () => void, budgetMs = 600): number {
  for (let i = 0; i < 3; i++) run();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 8; i++) run();
    calls += 8;
    elapsed = performance.now() - start;
  } while (elapsed < budgetMs);
  return (calls * 1000) / elapsed;
}

/**
 * The operations measured for every in-process provider, in Node and in Chromium alike (this file is
 * bundled into the benchmark page). Operations a provider lacks are left out.
 */
export function runLocalSuite(nacl: SyncNacl): Measurement[] {
  const results: Measurement[] = [];
  const has = (operation: Parameters<typeof nacl.supports.has>[0]) => nacl.supports.has(operation);
  const oneKiB = new Uint8Array(KIB).fill(1);
  const oneMiB = new Uint8Array(MIB).fill(2);
  const nonce = new Uint8Array(24);
  const key = new Uint8Array(32).fill(3);

  results.push({
    operation: 'secretbox_1k',
    unit: 'ops/s',
    value: rate(() => nacl.secretbox(oneKiB, nonce, key)),
  });
  results.push({
    operation: 'secretbox_1m',
    unit: 'MB/s',
    value: rate(() => nacl.secretbox(oneMiB, nonce, key)) * (MIB / 1e6),
  });

  const alice = nacl.boxKeyPair();
  const bob = nacl.boxKeyPair();
  results.push({
    operation: 'box_1k',
    unit: 'ops/s',
    value: rate(() => nacl.box(oneKiB, nonce, bob.publicKey, alice.secretKey)),
  });
  const shared = nacl.boxBeforeNm(bob.publicKey, alice.secretKey);
  results.push({
    operation: 'box_afternm_1k',
    unit: 'ops/s',
    value: rate(() => nacl.boxAfterNm(oneKiB, nonce, shared)),
  });
  results.push({
    operation: 'seal_1k',
    unit: 'ops/s',
    value: rate(() => nacl.boxSeal(oneKiB, bob.publicKey)),
  });

  const signer = nacl.signKeyPair();
  const signature = nacl.signDetached(oneKiB, signer.secretKey);
  results.push({
    operation: 'sign_1k',
    unit: 'ops/s',
    value: rate(() => nacl.signDetached(oneKiB, signer.secretKey)),
  });
  results.push({
    operation: 'verify_1k',
    unit: 'ops/s',
    value: rate(() => nacl.verifyDetached(oneKiB, signature, signer.publicKey)),
  });
  const batch = Array.from({ length: 100 }, () => ({
    message: oneKiB,
    signature,
    publicKey: signer.publicKey,
  }));
  results.push({
    operation: 'verify_batch_100',
    unit: 'signatures/s',
    value: rate(() => nacl.verifyBatch(batch)) * 100,
  });

  if (has('secretstreamPush')) {
    const chunk = oneMiB.subarray(0, 64 * KIB);
    results.push({
      operation: 'secretstream_1m',
      unit: 'MB/s',
      value:
        rate(() => {
          const { state } = nacl.secretstreamInitPush(key);
          for (let offset = 0; offset < MIB; offset += chunk.length)
            nacl.secretstreamPush(state, chunk, 0);
        }) *
        (MIB / 1e6),
    });
  }
  if (has('pwhashStr')) {
    const password = new TextEncoder().encode('correct horse battery staple');
    results.push({
      operation: 'pwhash',
      unit: 'ops/s',
      value: rate(() => nacl.pwhashStr(password, 2, 64 * MIB), 1500),
    });
  }
  return results;
}
