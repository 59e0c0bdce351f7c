import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  create,
  createGroup,
  eventually,
  messageDoc,
  pullAll,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { parseAllDocuments, stringify } from 'yaml';
import {
  answers,
  buildImages,
  freePort,
  podman,
  podmanStatus,
  ROOT,
  until,
} from './support/podman.ts';

/**
 * The `dev` overlay as `kubectl kustomize` renders it, started with `podman kube play`: the
 * PostgreSQL pod, Redis, and the sync-server pod with its migration init container and the
 * crypto-native sidecar on the unix socket. Two people register and a message is delivered.
 *
 * What podman does not implement is bridged here, and only that: podman has no Services (a pod is
 * found by its pod name, `<deployment>-pod-0`, on a network with DNS; a Service given to podman
 * publishes its port on the host instead, where PostgreSQL and Redis already listen), so the
 * Services are left out and their names in the database URL and REDIS_URL replaced by those pod
 * names; podman 4.3 publishes every containerPort on the host (Kubernetes does not), so each gets a
 * free hostPort on 127.0.0.1; podman 4.3 applies a pod's restart policy to its init containers too
 * (a Deployment's `Always` restarts the finished migration forever and the pod never starts), so
 * the sync-server pod is played with `OnFailure`; and the Secrets the overlay
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
  // The backing services first, then the rest: podman kube play waits for a pod's init containers
  // before it starts the next pod, and the migration waits for the database.
  const backingFile = join(folder, 'dev-backing.yaml');
  const appFile = join(folder, 'dev-app.yaml');
  const clients: SyncClient[] = [];
  let serverPort = 0;

  before(async () => {
    await buildImages();
    const rendered = execFileSync('kubectl', ['kustomize', 'k8s/overlays/dev'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const objects = parseAllDocuments(rendered)
      .map((d) => d.toJS() as Manifest)
      .filter((object) => object.kind !== 'Service');
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
      for (const container of object.kind === 'Deployment'
        ? object.spec.template.spec.containers
        : []) {
        for (const port of container.ports ?? []) {
          port.hostIP = '127.0.0.1';
          port.hostPort = await freePort();
          if (container.name === 'sync-server' && port.name === 'http') serverPort = port.hostPort;
        }
      }
      if (object.kind === 'Deployment' && object.metadata.name === 'sync-server') {
        assert.equal(object.spec.template.spec.initContainers[0].name, 'migrate');
        object.spec.template.spec.restartPolicy = 'OnFailure';
      }
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
    const backing = (object: Manifest) =>
      ['anochat-db', 'redis', 'anochat-db-data'].includes(object.metadata.name);
    const yaml = (list: Manifest[]) => list.map((object) => stringify(object)).join('---\n');
    writeFileSync(backingFile, yaml(objects.filter(backing)));
    writeFileSync(appFile, yaml(objects.filter((object) => !backing(object))));
    for (const volume of VOLUMES) await podmanStatus(['volume', 'rm', '-f', volume]);
    await podman(['network', 'create', network]);
    await podman(['kube', 'play', '--network', network, backingFile], { timeoutMs: 300_000 });
    await until(
      'PostgreSQL answers in its pod',
      async () => {
        const ready = await podmanStatus([
          'exec',
          'anochat-db-pod-0-postgres',
          'pg_isready',
          '-q',
          '-h',
          '127.0.0.1',
        ]);
        return ready.code === 0 || undefined;
      },
      120_000,
    );
    await podman(['kube', 'play', '--network', network, appFile], { timeoutMs: 600_000 });
  });

  after(async () => {
    for (const client of clients) client.socket.close();
    await podmanStatus(['kube', 'down', appFile]);
    await podmanStatus(['kube', 'down', backingFile]);
    // podman 4.3 makes each emptyDir a named volume of that name.
    for (const volume of [...VOLUMES, 'tmp', 'crypto-socket']) {
      await podmanStatus(['volume', 'rm', '-f', volume]);
    }
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
    const base = `http://127.0.0.1:${serverPort}`;
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

  it('the migration ran before the server (which does not migrate) and crypto-native serves on the unix socket', async () => {
    // podman removes a finished init container: its work is in the database, not in the server's log.
    const applied = await podman([
      'exec',
      'anochat-db-pod-0-postgres',
      'psql',
      '-h',
      '/tmp',
      '-U',
      'anochat',
      '-d',
      'anochat',
      '-tAc',
      'SELECT count(*) FROM schema_migrations',
    ]);
    const migrations = readdirSync(join(ROOT, 'sync-server/migrations')).filter((f) =>
      f.endsWith('.sql'),
    );
    assert.equal(Number(applied), migrations.length);
    const serverLogs = await podman(['logs', 'sync-server-pod-0-sync-server']);
    assert.doesNotMatch(serverLogs, /migration applied/);
    assert.match(serverLogs, /sync server listening/);
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
