import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Podman for the container suites: the repository's settings (docker/containers.conf, the two
 * this machine kind needs), the images built once per run by docker/build-images.sh on bases made
 * from Debian's mirror (no registry is reachable here), free loopback ports, waiting for answers.
 */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CONTAINERS_CONF = `${ROOT}docker/containers.conf`;
export const IMAGE = (name: string) => `localhost/anochat/${name}:dev`;
const run = promisify(execFile);
const environment = { ...process.env, CONTAINERS_CONF };

export async function podman(
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const { stdout } = await run('podman', args, {
    env: environment,
    cwd: ROOT,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

/** The exit code of a command, its output kept (for checks that expect a failure). */
export async function podmanStatus(args: string[]): Promise<{ code: number; output: string }> {
  try {
    return { code: 0, output: await podman(args) };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failure.code === 'number' ? failure.code : -1,
      output: `${failure.stdout ?? ''}${failure.stderr ?? ''}`,
    };
  }
}

/** A command of the repository with podman's settings, its output passed through (builds). */
export function runScript(command: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: environment,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} ended with ${code ?? signal}`));
    });
  });
}

let built: Promise<void> | undefined;
/** Every image, built or found up to date (docker/build-images.sh skips unchanged inputs). */
export function buildImages(): Promise<void> {
  built ??= runScript('bash', ['docker/build-images.sh', '--local-bases'], 60 * 60_000);
  return built;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`not in time: ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await sleep(250);
  }
}

/** Resolves once `url` answers `status` (200 by default). */
export function answers(url: string, timeoutMs: number, status = 200): Promise<true> {
  return until(
    `${url} answers ${status}`,
    async () =>
      (await fetch(url, { signal: AbortSignal.timeout(3_000) })).status === status
        ? true
        : undefined,
    timeoutMs,
  );
}

/** Resolves once `url` answers 200 `times` times in a row (a balancer routes to every backend). */
export function answersInRow(url: string, times: number, timeoutMs: number): Promise<true> {
  return until(
    `${url} answers 200 ${times} times in a row`,
    async () => {
      for (let attempt = 0; attempt < times; attempt++) {
        const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
        if (response.status !== 200) return undefined;
      }
      return true;
    },
    timeoutMs,
  );
}

/** One sample of a Prometheus text exposition (`name{labels} value`). */
export function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
