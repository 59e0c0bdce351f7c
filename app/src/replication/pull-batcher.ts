import type {
  PullRequest,
  PullResponse,
  PullsResponse,
  SyncErrorAck,
} from '@anochat/schemas/rxdb/sync';
import { filter, firstValueFrom } from 'rxjs';
import type { SyncTransport } from './sync-transport.ts';

/**
 * Pulls of several collections that come together (every collection pulls as the device
 * connects) leave as one `pulls` event, answered in one frame (docs/protocol.md). On a link that
 * drops often each frame is one more chance to lose the connection, and a reconnect used to cost
 * sixteen of them before anything new arrived. A single pull goes as `pull`; a server without
 * `pulls` (an older instance during an upgrade) gets the pulls one by one.
 */
export interface PullBatcher {
  pull(request: PullRequest): Promise<PullResponse | SyncErrorAck>;
}

interface Waiting {
  request: PullRequest;
  resolve(answer: PullResponse | SyncErrorAck): void;
  reject(error: unknown): void;
}

const isRefusal = (answer: unknown): answer is SyncErrorAck =>
  typeof (answer as Partial<SyncErrorAck> | null)?.error?.code === 'string';

export function createPullBatcher(
  transport: Pick<SyncTransport, 'request' | 'connected$'>,
  windowMs = 20,
): PullBatcher {
  let queue: Waiting[] = [];
  let scheduled = false;
  let serverHasPulls = true;

  function one(waiting: Waiting): void {
    transport
      .request<PullResponse | SyncErrorAck>('pull', waiting.request)
      .then(waiting.resolve, waiting.reject);
  }

  async function many(batch: Waiting[]): Promise<void> {
    let answer: PullsResponse | SyncErrorAck;
    try {
      answer = await transport.request<PullsResponse | SyncErrorAck>('pulls', {
        pulls: batch.map((waiting) => waiting.request),
      });
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    if (isRefusal(answer)) {
      if (answer.error.code === 'VALIDATION_FAILED') {
        serverHasPulls = false;
        for (const waiting of batch) one(waiting);
      } else for (const waiting of batch) waiting.resolve(answer);
      return;
    }
    batch.forEach((waiting, index) => {
      const result = answer.results[index];
      if (result === undefined) waiting.reject(new Error('pulls: answer without this result'));
      else waiting.resolve(result);
    });
  }

  async function flushWhenConnected(): Promise<void> {
    await firstValueFrom(transport.connected$.pipe(filter(Boolean)));
    // Whatever else is asked for in this moment leaves with it.
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 1 || !serverHasPulls) for (const waiting of batch) one(waiting);
    else if (batch.length > 1) await many(batch);
  }

  return {
    pull(request) {
      return new Promise((resolve, reject) => {
        queue.push({ request, resolve, reject });
        if (scheduled) return;
        scheduled = true;
        void flushWhenConnected();
      });
    },
  };
}
