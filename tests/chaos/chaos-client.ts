import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type {
  ClientRequest,
  ClientSetup,
  ClientSnapshot,
  WorkerMessage,
} from './client-protocol.ts';

/** The harness's side of one client worker (client-worker.ts). */
export interface ChaosClient {
  readonly index: number;
  readonly userId: string;
  readonly deviceId: string;
  /** Why the app signed this device out, each time it did. */
  readonly signOuts: string[];
  openDirect(peerUserId: string): Promise<string>;
  createGroup(title: string, memberUserIds: string[]): Promise<string>;
  hasKeys(conversationIds: string[]): Promise<boolean>;
  /**
   * Accepts this user's open requests among these conversations; true once its membership of
   * every one of them is here and accepted.
   */
  acceptRequests(conversationIds: string[]): Promise<boolean>;
  send(conversationId: string, text: string): Promise<{ id: string; at: number }>;
  snapshot(): Promise<ClientSnapshot>;
  stop(): Promise<void>;
}

const WORKER = new URL('./client-worker.ts', import.meta.url);
// A worker thread does not inherit tsx's loader: register it there, then load the TypeScript.
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER.href)}); })`;

export async function startChaosClient(setup: ClientSetup): Promise<ChaosClient> {
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData: setup });
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const signOuts: string[] = [];
  let nextId = 0;
  let ready: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'ready') ready();
    else if (message.kind === 'signed-out') signOuts.push(message.reason);
    else {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error !== undefined) pending?.reject(new Error(message.error));
      else pending?.resolve(message.result);
    }
  });
  const failed = once(worker, 'error').then(([error]) => {
    throw new Error(`client ${setup.index} worker failed: ${String(error)}`);
  });
  failed.catch(() => undefined);
  await Promise.race([started, failed]);

  function ask<T>(request: ClientRequest): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, request });
    });
  }

  return {
    index: setup.index,
    userId: setup.session.user.id,
    deviceId: setup.session.device.id,
    signOuts,
    openDirect: (peerUserId) => ask({ op: 'openDirect', peerUserId }),
    createGroup: (title, memberUserIds) => ask({ op: 'createGroup', title, memberUserIds }),
    hasKeys: (conversationIds) => ask({ op: 'hasKeys', conversationIds }),
    acceptRequests: (conversationIds) => ask({ op: 'acceptRequests', conversationIds }),
    send: (conversationId, text) => ask({ op: 'send', conversationId, text }),
    snapshot: () => ask({ op: 'snapshot' }),
    async stop() {
      await Promise.race([
        ask({ op: 'stop' }),
        new Promise((resolve) => setTimeout(resolve, 10_000)),
      ]).catch(() => undefined);
      await worker.terminate();
    },
  };
}
