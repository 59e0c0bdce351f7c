import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CONTAINERS_CONF, podman, ROOT, until } from './podman.ts';

const run = promisify(execFile);

/** One Compose project of compose.yaml (plus the test's additions), run with podman-compose. */
export interface ComposeProject {
  name: string;
  compose(args: string[]): Promise<string>;
  down(): Promise<void>;
}

/** podman-compose names a service's container <project>_<service>_1. */
export const containerOf = (project: string, service: string) => `${project}_${service}_1`;

export function composeProject(name: string, environment: Record<string, string>): ComposeProject {
  const env = { ...process.env, CONTAINERS_CONF, ...environment };
  const files = ['-f', 'compose.yaml', '-f', 'tests/containers/compose.test.yaml'];
  async function compose(args: string[]): Promise<string> {
    const { stdout } = await run('podman-compose', ['-p', name, ...files, ...args], {
      cwd: ROOT,
      env,
      timeout: 10 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }
  return {
    name,
    compose,
    async down() {
      await compose(['down', '-t', '5']).catch(() => undefined);
      // The database volume and the network, whatever podman-compose left.
      const volumes = await podman(['volume', 'ls', '--format', '{{.Name}}']).catch(() => '');
      for (const volume of volumes.split('\n').filter((v) => v.startsWith(`${name}_`))) {
        await podman(['volume', 'rm', '-f', volume]).catch(() => undefined);
      }
      await podman(['network', 'rm', '-f', `${name}_default`]).catch(() => undefined);
    },
  };
}

/** A sync-server container's own /metrics (port 9090 inside; never published). */
export async function instanceMetrics(container: string): Promise<string> {
  return podman([
    'exec',
    container,
    'node',
    '-e',
    "fetch('http://127.0.0.1:9090/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))",
  ]);
}

/** Whether a sync-server container answers its own /api/ready with 200 (asked inside it). */
async function instanceReady(container: string): Promise<boolean> {
  const status = await podman([
    'exec',
    container,
    'node',
    '-e',
    "fetch('http://127.0.0.1:8080/api/ready').then((r) => process.stdout.write(String(r.status)))",
  ]).catch(() => '');
  return status === '200';
}

/** Resolves once every listed sync-server container is ready by its own account. */
export function instancesReady(containers: string[], timeoutMs: number): Promise<true> {
  return until(
    `${containers.join(' and ')} ready`,
    async () => (await Promise.all(containers.map(instanceReady))).every(Boolean) || undefined,
    timeoutMs,
  );
}
