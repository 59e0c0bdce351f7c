import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { login, register, request } from './support/api.ts';

const ENTRY = fileURLToPath(new URL('../src/start-default.ts', import.meta.url));

interface Started {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** The real `npm start` entry as a child process: real PGlite, real crypto-native, real HTTP. */
async function startDefault(dataDirectory: string): Promise<Started> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATABASE_URL', 'CRYPTO_GRPC_ADDRESS', 'JWT_SECRET', 'DATABASE_POOL_MAX']) {
    delete env[name];
  }
  Object.assign(env, {
    DATA_DIR: dataDirectory,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    ARGON2_OPS_LIMIT: '1',
    ARGON2_MEM_LIMIT: '8192',
  });
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within 40 s:\n${output}`)),
      40_000,
    );
    const check = () => {
      const match = /ready at (http:\/\/[^"\s]+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${output}`));
    });
  });
  return { child, baseUrl: url, output: () => output, exited };
}

async function stopWithSigterm(started: Started): Promise<number | null> {
  started.child.kill('SIGTERM');
  return started.exited;
}

describe('npm start: the embedded default (PGlite + crypto-native, no configuration)', () => {
  let dataDirectory: string;
  const running: Started[] = [];
  before(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), 'anochat-embedded-'));
  });
  after(async () => {
    for (const started of running) {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
    }
    await rm(dataDirectory, { recursive: true, force: true });
  });

  it('serves, persists accounts and the JWT secret across a restart, and stops cleanly', async () => {
    const first = await startDefault(dataDirectory);
    running.push(first);
    const ready = await request(first.baseUrl, 'GET', '/api/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const account = await register(first.baseUrl, 'embedded_alice');
    assert.match(first.output(), /generated one and saved it/);
    assert.equal((await stat(join(dataDirectory, 'jwt-secret'))).mode & 0o777, 0o600);
    assert.equal(await stopWithSigterm(first), 0, first.output());

    const second = await startDefault(dataDirectory);
    running.push(second);
    assert.match(second.output(), /using the one saved by an earlier start/);
    assert.equal((await request(second.baseUrl, 'GET', '/api/ready')).status, 200);
    const session = await login(second.baseUrl, account);
    assert.equal(session.user.username, 'embedded_alice');
    // The access token from before the restart is still valid: the secret was kept.
    const devices = await request(second.baseUrl, 'GET', '/api/devices', {
      token: account.session.accessToken,
    });
    assert.equal(devices.status, 200, JSON.stringify(devices.body));
    assert.equal(await stopWithSigterm(second), 0, second.output());
    assert.match(second.output(), /sync server stopped/);
  });
});
