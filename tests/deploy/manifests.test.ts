import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UPLOAD_CHUNK_BYTES } from '@anochat/schemas/api/attachments';
import { parse, parseAllDocuments } from 'yaml';

/**
 * The Kubernetes manifests as `kubectl kustomize` renders each overlay, checked offline: every
 * object against the Kubernetes OpenAPI schemas (kubernetes-models; the Prometheus operator's
 * models for the ServiceMonitor, CloudNativePG's for its Cluster and ScheduledBackup), then what the deployment promises: probes, non-root, read-only root
 * filesystems, resources, draining, autoscaling, spreading, the sidecar, network policies,
 * secrets by reference only. And compose.yaml's shape. The images are tested in tests/containers.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HEALTH_ROUTE = '/api/health';
const READY_ROUTE = '/api/ready';

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML is checked field by field below
type Manifest = Record<string, any>;

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function render(overlay: string): Manifest[] {
  const text = execFileSync('kubectl', ['kustomize', `k8s/overlays/${overlay}`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return parseAllDocuments(text).map((document) => document.toJS() as Manifest);
}

/** Where the models of each API group's schemas come from; the rest are Kubernetes' own. */
const MODELS_OF_GROUP: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'postgresql.cnpg.io': '@kubernetes-models/cloudnative-pg',
};

async function validateAgainstSchema(object: Manifest): Promise<void> {
  const { apiVersion, kind } = object as { apiVersion: string; kind: string };
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const modulePath = `${MODELS_OF_GROUP[group] ?? 'kubernetes-models'}/${apiVersion}`;
  const models = (await import(modulePath)) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = models[kind];
  assert.ok(Model, `no schema for ${apiVersion} ${kind}`);
  new Model(object).validate();
}

const byKind = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: Manifest[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} rendered`);
  return found;
};
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

for (const overlay of ['dev', 'prod'] as const) {
  describe(`k8s overlay ${overlay}`, { skip: kubectl ? false : 'kubectl is not installed' }, () => {
    const objects = kubectl ? render(overlay) : [];
    const deployments = byKind(objects, 'Deployment');
    const syncServer = () => named(objects, 'Deployment', 'sync-server');
    const podSpec = () => syncServer().spec.template.spec;
    const container = (name: string) =>
      podSpec().containers.find((c: Manifest) => c.name === name) as Manifest;

    it('validates every object against its schema (Kubernetes, the Prometheus operator, CloudNativePG)', async () => {
      assert.ok(objects.length > 10);
      for (const object of objects) {
        assert.equal(object.metadata.namespace, overlay === 'dev' ? 'anochat-dev' : 'anochat');
        await validateAgainstSchema(object);
      }
    });

    it('a schema violation is caught (the validation is not a no-op)', async () => {
      const broken = structuredClone(syncServer());
      broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
      await assert.rejects(validateAgainstSchema(broken), /containerPort/);
    });

    it('every Deployment runs as non-root with a read-only root filesystem, no privilege, resources and probes', () => {
      assert.ok(deployments.length >= 2);
      for (const deployment of deployments) {
        const spec = deployment.spec.template.spec;
        const where = `Deployment ${deployment.metadata.name}`;
        assert.equal(spec.securityContext?.runAsNonRoot, true, where);
        assert.ok(spec.securityContext.runAsUser > 0, where);
        assert.equal(spec.automountServiceAccountToken, false, where);
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const at = `${where} container ${c.name}`;
          assert.equal(c.securityContext?.readOnlyRootFilesystem, true, at);
          assert.equal(c.securityContext?.allowPrivilegeEscalation, false, at);
          assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], at);
          assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, at);
          assert.ok(c.resources?.limits?.memory, at);
          assert.doesNotMatch(c.image, /:latest$|^[^:]+$/, `${at}: image has a fixed tag`);
        }
        for (const c of spec.containers) {
          assert.ok(c.readinessProbe, `${where} container ${c.name}: readiness probe`);
          assert.ok(c.livenessProbe, `${where} container ${c.name}: liveness probe`);
        }
      }
    });

    it('the sync server: probes on its health routes, drains on stop, migrates before it starts', () => {
      const server = container('sync-server');
      assert.equal(server.readinessProbe.httpGet.path, READY_ROUTE);
      assert.equal(server.livenessProbe.httpGet.path, HEALTH_ROUTE);
      assert.equal(server.startupProbe.httpGet.path, HEALTH_ROUTE);
      const configMap = byKind(objects, 'ConfigMap').find((c) =>
        c.metadata.name.startsWith('sync-server-config'),
      ) as Manifest;
      assert.equal(
        server.envFrom[0].configMapRef.name,
        configMap.metadata.name,
        'the hashed ConfigMap name',
      );
      const preStopSeconds = Number(server.lifecycle.preStop.exec.command[1]);
      const drainSeconds = Number(configMap.data.SHUTDOWN_TIMEOUT_MS) / 1000;
      assert.ok(preStopSeconds >= 5, 'endpoints get time to drop the pod');
      assert.ok(
        podSpec().terminationGracePeriodSeconds > preStopSeconds + drainSeconds,
        'the grace period covers the preStop wait and the draining',
      );
      const strategy = syncServer().spec.strategy;
      assert.equal(strategy.rollingUpdate.maxUnavailable, 0);
      assert.equal(configMap.data.MIGRATE_ON_START, 'false');
      const migrate = podSpec().initContainers.find((c: Manifest) => c.name === 'migrate');
      assert.deepEqual(migrate.command, ['node', 'server/bin/migrate.mjs']);
      assert.equal(migrate.image, server.image);
      const metricsPort = server.env.find((e: Manifest) => e.name === 'METRICS_PORT').value;
      assert.ok(
        server.ports.some(
          (p: Manifest) => p.name === 'metrics' && String(p.containerPort) === metricsPort,
        ),
      );
    });

    it('crypto-native is a sidecar on a unix socket in a shared memory volume, with no network port', () => {
      const server = container('sync-server');
      const crypto = container('crypto-native');
      const address = server.env.find((e: Manifest) => e.name === 'CRYPTO_GRPC_ADDRESS').value;
      const listen = crypto.env.find((e: Manifest) => e.name === 'CRYPTO_LISTEN').value;
      assert.equal(address, listen);
      assert.match(address, /^unix:\//);
      const socketDir = address.slice('unix:'.length).replace(/\/[^/]+$/, '');
      const mountOf = (c: Manifest) =>
        c.volumeMounts.find((m: Manifest) => m.mountPath === socketDir)?.name;
      assert.ok(mountOf(server));
      assert.equal(mountOf(server), mountOf(crypto));
      const volume = podSpec().volumes.find((v: Manifest) => v.name === mountOf(server));
      assert.equal(volume.emptyDir.medium, 'Memory');
      assert.equal(crypto.ports, undefined);
      assert.deepEqual(crypto.readinessProbe.exec.command, ['anochat-crypto-health']);
      // It stops after the sync server's draining, whose pushes still need it.
      assert.ok(
        Number(crypto.lifecycle.preStop.exec.command[1]) >
          Number(server.lifecycle.preStop.exec.command[1]),
      );
    });

    it('autoscaling, disruption budget and topology spread select the sync-server pods', () => {
      const labels = syncServer().spec.template.metadata.labels;
      const hpa = named(objects, 'HorizontalPodAutoscaler', 'sync-server');
      assert.deepEqual(hpa.spec.scaleTargetRef, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'sync-server',
      });
      assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
      const pdb = named(objects, 'PodDisruptionBudget', 'sync-server');
      assert.ok(matches(pdb.spec.selector.matchLabels, labels));
      const keys = podSpec().topologySpreadConstraints.map((t: Manifest) => t.topologyKey);
      assert.ok(keys.includes('kubernetes.io/hostname'));
      assert.ok(keys.includes('topology.kubernetes.io/zone'));
      for (const t of podSpec().topologySpreadConstraints) {
        assert.ok(matches(t.labelSelector.matchLabels, labels));
      }
      if (overlay === 'prod') {
        assert.ok(syncServer().spec.replicas >= 3);
        assert.ok(pdb.spec.minAvailable >= 2 && pdb.spec.minAvailable < syncServer().spec.replicas);
      }
    });

    it('every Service selects pods that have its target ports', () => {
      const pods = deployments.map((d) => d.spec.template);
      for (const service of byKind(objects, 'Service')) {
        const selected = pods.filter((p) => matches(service.spec.selector, p.metadata.labels));
        assert.equal(selected.length, 1, `Service ${service.metadata.name} selects one workload`);
        const ports = selected[0].spec.containers.flatMap((c: Manifest) => c.ports ?? []);
        for (const port of service.spec.ports) {
          assert.ok(
            ports.some(
              (p: Manifest) => p.name === port.targetPort || p.containerPort === port.targetPort,
            ),
            `Service ${service.metadata.name} port ${port.name}`,
          );
        }
      }
      // The names CloudNativePG gives (prod) are the dev database's too: one configuration.
      if (overlay === 'dev') named(objects, 'Service', 'anochat-db-rw');
    });

    it('secrets are referenced by name, never rendered, and no secret sits in a plain value', () => {
      assert.equal(byKind(objects, 'Secret').length, 0);
      const referenced = new Set<string>();
      for (const deployment of deployments) {
        const spec = deployment.spec.template.spec;
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          for (const variable of c.env ?? []) {
            if (/SECRET|PASSWORD|DATABASE_URL/.test(variable.name)) {
              assert.equal(
                variable.value,
                undefined,
                `${c.name} ${variable.name} is a plain value`,
              );
              referenced.add(variable.valueFrom.secretKeyRef.name);
            }
          }
        }
      }
      assert.deepEqual([...referenced].sort(), ['anochat-db-app', 'anochat-jwt']);
      for (const configMap of byKind(objects, 'ConfigMap')) {
        for (const key of Object.keys(configMap.data)) assert.doesNotMatch(key, /SECRET|PASSWORD/);
      }
    });

    it('network policies: default deny; only the sync server reaches PostgreSQL and Redis', () => {
      const policies = byKind(objects, 'NetworkPolicy');
      const denyAll = policies.find(
        (p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.ingress === undefined,
      );
      assert.ok(denyAll, 'a default-deny ingress policy');
      const podsOf = (selector: Record<string, string>) =>
        deployments.filter((d) => matches(selector, d.spec.template.metadata.labels));
      const syncLabels = syncServer().spec.template.metadata.labels;
      const redis = named(objects, 'Deployment', 'redis').spec.template.metadata.labels;
      const databaseLabel = { 'app.kubernetes.io/component': 'database' };
      for (const policy of policies) {
        if (policy === denyAll || !policy.spec.ingress) continue;
        const target = policy.spec.podSelector.matchLabels;
        const guardsRedis = matches(target, redis);
        const guardsDatabase = matches(databaseLabel, target) || matches(target, databaseLabel);
        if (!guardsRedis && !guardsDatabase) continue;
        for (const rule of policy.spec.ingress) {
          for (const peer of rule.from) {
            if (peer.namespaceSelector) {
              // Only the CloudNativePG operator's namespace, to the database (prod).
              assert.ok(guardsDatabase && overlay === 'prod', policy.metadata.name);
              assert.equal(
                peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name'],
                'cnpg-system',
              );
              continue;
            }
            const allowed = peer.podSelector.matchLabels;
            const isSyncServer = matches(allowed, syncLabels);
            const isDatabasePeer = guardsDatabase && matches(databaseLabel, allowed);
            assert.ok(
              isSyncServer || isDatabasePeer,
              `${policy.metadata.name} lets in ${JSON.stringify(allowed)}`,
            );
          }
        }
      }
      assert.ok(podsOf(databaseLabel).length === (overlay === 'dev' ? 1 : 0));
    });

    it('the Ingress routes to the sync server with WebSocket timeouts of an hour and room for an upload chunk', () => {
      const ingress = named(objects, 'Ingress', 'anochat');
      const annotations = ingress.metadata.annotations;
      assert.ok(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600);
      assert.ok(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']) >= 3600);
      const bodyLimit = /^(\d+)m$/.exec(annotations['nginx.ingress.kubernetes.io/proxy-body-size']);
      assert.ok(bodyLimit, 'a body limit in MiB');
      assert.ok(Number(bodyLimit[1]) * 1024 * 1024 > UPLOAD_CHUNK_BYTES, 'an upload chunk fits');
      const backend = ingress.spec.rules[0].http.paths[0].backend.service;
      assert.equal(backend.name, 'sync-server');
      assert.equal(backend.port.name, 'http');
      if (overlay === 'prod') assert.ok(ingress.spec.tls[0].secretName);
    });

    it('attachments live on one volume every sync-server pod mounts', () => {
      const claim = named(objects, 'PersistentVolumeClaim', 'anochat-attachments');
      if (overlay === 'prod') assert.deepEqual(claim.spec.accessModes, ['ReadWriteMany']);
      const volume = podSpec().volumes.find((v: Manifest) => v.persistentVolumeClaim);
      assert.equal(volume.persistentVolumeClaim.claimName, 'anochat-attachments');
    });

    if (overlay === 'prod') {
      it('a CloudNativePG schema violation is caught too', async () => {
        const broken = structuredClone(named(objects, 'Cluster', 'anochat-db'));
        broken.spec.instances = 'three';
        await assert.rejects(validateAgainstSchema(broken), /instances/);
      });

      it('PostgreSQL is a CloudNativePG Cluster of three with backups, and a ServiceMonitor scrapes /metrics', () => {
        const cluster = named(objects, 'Cluster', 'anochat-db');
        assert.equal(cluster.apiVersion, 'postgresql.cnpg.io/v1');
        assert.equal(cluster.spec.instances, 3);
        assert.ok(cluster.spec.storage.size);
        assert.equal(cluster.spec.bootstrap.initdb.database, 'anochat');
        assert.deepEqual(cluster.spec.inheritedMetadata.labels, {
          'app.kubernetes.io/component': 'database',
        });
        const store = cluster.spec.backup.barmanObjectStore;
        assert.match(store.destinationPath, /^s3:\/\//);
        assert.ok(store.s3Credentials.accessKeyId.name && store.s3Credentials.secretAccessKey.key);
        assert.match(cluster.spec.backup.retentionPolicy, /^\d+[dwm]$/);
        const scheduled = named(objects, 'ScheduledBackup', 'anochat-db-nightly');
        assert.equal(scheduled.spec.cluster.name, 'anochat-db');
        assert.equal(scheduled.spec.schedule.split(' ').length, 6, 'six fields (with seconds)');

        const monitor = named(objects, 'ServiceMonitor', 'sync-server');
        const service = named(objects, 'Service', 'sync-server');
        assert.ok(matches(monitor.spec.selector.matchLabels, service.metadata.labels));
        assert.ok(
          service.spec.ports.some((p: Manifest) => p.name === monitor.spec.endpoints[0].port),
        );
        assert.equal(monitor.spec.endpoints[0].path, '/metrics');
      });
    } else {
      it('PostgreSQL is one instance', () => {
        const database = named(objects, 'Deployment', 'anochat-db');
        assert.equal(database.spec.replicas, 1);
        assert.equal(byKind(objects, 'Cluster').length, 0);
      });
    }
  });
}

describe('compose.yaml', () => {
  const compose = parse(readFileSync(`${ROOT}compose.yaml`, 'utf8'), { merge: true }) as Manifest;
  const services = compose.services as Record<string, Manifest>;

  it('has PostgreSQL, Redis, crypto-native, two sync-server instances and the load balancer', () => {
    assert.deepEqual(Object.keys(services).sort(), [
      'crypto-native',
      'lb',
      'postgres',
      'redis',
      'sync-server-1',
      'sync-server-2',
    ]);
    const haproxy = readFileSync(`${ROOT}docker/compose/haproxy.cfg`, 'utf8');
    for (const name of ['sync-server-1', 'sync-server-2']) {
      assert.match(haproxy, new RegExp(`server ${name} ${name}:8080 check`));
      assert.equal(services[name]?.environment.REDIS_URL, 'redis://redis:6379');
    }
    assert.match(haproxy, new RegExp(`option httpchk GET ${READY_ROUTE}`));
    assert.match(haproxy, /timeout tunnel 1h/);
  });

  it('runs every service read-only, takes secrets from the environment, publishes on loopback by default', () => {
    for (const [name, service] of Object.entries(services)) {
      assert.equal(service.read_only, true, name);
    }
    const server = services['sync-server-1'] as Manifest;
    assert.match(server.environment.JWT_SECRET, /^\$\{JWT_SECRET:\?/);
    assert.match(server.environment.DATABASE_URL, /\$\{POSTGRES_PASSWORD:\?/);
    const published = '$' + '{ANOCHAT_BIND:-127.0.0.1}:$' + '{ANOCHAT_PORT:-8080}:8080';
    assert.deepEqual(services.lb?.ports, [published]);
  });
});
