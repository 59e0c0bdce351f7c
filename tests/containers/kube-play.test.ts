import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import {
  create,
  createGroup,
  eventually,
  messageDoc,
  pullAll,
  type SyncClient,
  syncUser,
} from '../../sync-server/test/support/sync-client.ts';
import { answers, buildImages, podman, podmanStatus, ROOT, until } from './support/podman.ts';

/**
 * The `dev` overlay as `kubectl kustomize` renders it, started with `podman kube play`: the
 * PostgreSQL pod, Redis, and the sync-server pod with its migration init container and the
 * crypto-native sidecar on the unix socket. Two people register and a message is delivered.
 *
 * What podman does not implement is bridged here, and only that: podman has no Services (a pod is
 * found by its pod name, `<deployment>-pod-0`, on a network with DNS), so the Service names in the
 * database URL and REDIS_URL are replaced by those pod names; and the Secrets the overlay
 * references (never committed) are made here with random values, as an operator would with
 * `kubectl create secret`: as podman secrets (podman 4.3 reads a secretKeyRef from a podman secret
 * holding a JSON map of base64 values, and cannot play a Secret object itself).
 * NetworkPolicies, the HPA, the PDB and the Ingress are accepted by podman and not enforced.
 */
// biome-ignore lint/suspicious/noExplicitAny: rendered YAML, edited by path
type Manifest = Record<string, any>;
const tag = randomBytes(4).toString('hex');
const network = `anochat-kube-${tag}`;
const VOLUMES = ['anochat-db-data', 'anochat-attachments'];

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('k8s dev overlay under podman kube play', {
  timeout: 70 * 60_000,
  skip: kubectl ? false : 'kubectl (kustomize) is not installed',
}, () => {
  const folder = mkdtempSync(join(tmpdir(), 'anochat-kube-'));
  const file = join(folder, 'dev.yaml');
  const clients: SyncClient[] = [];

  before(async () => {
    await buildImages();
    const rendered = execFileSync('kubectl', ['kustomize', 'k8s/overlays/dev'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const objects = parseAllDocuments(rendered).map((d) => d.toJS() as Manifest);
    const password = randomBytes(18).toString('hex');
    const secret = async (name: string, data: Record<string, string>) => {
      const encoded = Object.fromEntries(
        Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      );
      const path = join(folder, `${name}.json`);
      writeFileSync(path, JSON.stringify(encoded), { mode: 0o600 });
      await podmanStatus(['secret', 'rm', name]);
      await podman(['secret', 'create', name, path]);
      rmSync(path);
    };
    for (const object of objects) {
      if (object.kind === 'ConfigMap' && object.metadata.name.startsWith('sync-server-config')) {
        assert.equal(object.data.REDIS_URL, 'redis://redis:6379');
        object.data.REDIS_URL = 'redis://redis-pod-0:6379';
      }
    }
    await secret('anochat-jwt', { secret: randomBytes(32).toString('hex') });
    await secret('anochat-db-app', {
      uri: `postgres://anochat:${password}@anochat-db-pod-0:5432/anochat`,
      password,
    });
    writeFileSync(file, objects.map((object) => stringify(object)).join('---\n'));
    for (const volume of VOLUMES) await podmanStatus(['volume', 'rm', '-f', volume]);
    await podman(['network', 'create', network]);
    await podman(['kube', 'play', '--network', network, file], { timeoutMs: 300_000 });
  });

  after(async () => {
    for (const client of clients) client.socket.close();
    await podmanStatus(['kube', 'down', file]);
    for (const volume of VOLUMES) await podmanStatus(['volume', 'rm', '-f', volume]);
    await podmanStatus(['network', 'rm', '-f', network]);
    await podmanStatus(['secret', 'rm', 'anochat-jwt', 'anochat-db-app']);
    rmSync(folder, { recursive: true, force: true });
  });

  it('starts every Deployment of the overlay as a running pod', async () => {
    const pods = await until(
      'three pods running',
      async () => {
        const list = JSON.parse(await podman(['pod', 'ps', '--format', 'json'])) as {
          Name: string;
          Status: string;
        }[];
        const ours = list.filter((p) =>
          ['anochat-db-pod-0', 'redis-pod-0', 'sync-server-pod-0'].includes(p.Name),
        );
        return ours.length === 3 && ours.every((p) => p.Status === 'Running') ? ours : undefined;
      },
      120_000,
    );
    assert.equal(pods.length, 3);
  });

  it('registers two people through the sync-server pod and delivers a message', async () => {
    const address = await until(
      'the sync-server pod has an address',
      async () => {
        const ip = await podman([
          'inspect',
          '--format',
          `{{ (index .NetworkSettings.Networks "${network}").IPAddress }}`,
          'sync-server-pod-0-sync-server',
        ]);
        return ip === '' ? undefined : ip;
      },
      60_000,
    );
    const base = `http://${address}:8080`;
    await answers(`${base}/api/ready`, 180_000);

    const alice = await syncUser(base);
    const bob = await syncUser(base);
    clients.push(alice, bob);
    const group = await createGroup(alice, [bob]);
    await pullAll(bob, 'messages');
    const message = messageDoc(alice, group, 'through podman kube play');
    await create(alice, 'messages', [message]);
    await eventually(
      () =>
        bob.streams.some(
          (event) => 'documents' in event && event.documents.some((doc) => doc.id === message.id),
        ),
      15_000,
    );
    const { documents } = await pullAll(bob, 'messages');
    assert.deepEqual(
      documents.map((doc) => doc.id),
      [message.id],
    );
  });

  it('the migration ran in the init container and crypto-native serves on the unix socket', async () => {
    const migrateLogs = await podman(['logs', 'sync-server-pod-0-migrate']);
    assert.match(migrateLogs, /migration applied|schema is up to date/);
    const probe = await podman([
      'exec',
      'sync-server-pod-0-crypto-native',
      'anochat-crypto-health',
    ]);
    assert.match(probe, /^serving/);
    const user = await podman(['exec', 'sync-server-pod-0-sync-server', 'id', '-u']);
    assert.equal(user, '10001');
  });
});
