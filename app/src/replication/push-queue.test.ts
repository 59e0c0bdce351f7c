import type { CompactPushRequest, PushResponse } from '@anochat/schemas/rxdb/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPushQueue } from './push-queue.ts';
import { TransportError } from './transport-error.ts';

const accepted: PushResponse = { conflicts: [], rejected: [], stored: [] };
const pushOf = (id: string, padding = 0): CompactPushRequest => ({
  collection: 'messages',
  rows: [{ newDocumentState: { id, text: 'x'.repeat(padding) } as never }],
});

/** A queue whose `push` events are recorded and answered (or left unanswered) by the test. */
function queueWithEvents(budget = 10_000) {
  const emitted: { payload: CompactPushRequest; answer(body: unknown): void; fail(): void }[] = [];
  const queue = createPushQueue({
    emit: (payload) =>
      new Promise((resolve, reject) => {
        emitted.push({ payload, answer: resolve, fail: () => reject(new Error('unanswered')) });
      }),
    handshakeBudgetBytes: budget,
    pushedTimeoutMs: 3_000,
  });
  return { queue, emitted };
}

describe('pushes that outlive connections', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds a push made while disconnected for the next handshake, and resolves it with `pushed`', async () => {
    const { queue, emitted } = queueWithEvents();
    const answer = queue.push(pushOf('a'));

    expect(queue.forHandshake()).toEqual([pushOf('a')]);
    queue.connected();
    queue.pushed({ results: [accepted] });

    await expect(answer).resolves.toEqual(accepted);
    expect(emitted).toEqual([]);
  });

  it('sends an unanswered push again with the next handshake when the connection drops', async () => {
    const { queue, emitted } = queueWithEvents();
    queue.forHandshake();
    queue.connected();
    const answer = queue.push(pushOf('a'));
    expect(emitted.map((event) => event.payload)).toEqual([pushOf('a')]);

    queue.disconnected();
    emitted[0]?.fail();
    expect(queue.forHandshake()).toEqual([pushOf('a')]);
    queue.connected();
    // An answer from the old connection that comes late counts for nothing.
    emitted[0]?.answer({ results: 'stale' });
    queue.pushed({ results: [accepted] });

    await expect(answer).resolves.toEqual(accepted);
  });

  it('takes the oldest pushes that fit the budget, and sends the rest as events once connected', () => {
    const { queue, emitted } = queueWithEvents(500);
    for (const id of ['a', 'b', 'c']) void queue.push(pushOf(id, 150));

    expect(queue.forHandshake().map((push) => push.rows[0]?.newDocumentState.id)).toEqual([
      'a',
      'b',
    ]);
    queue.connected();
    expect(emitted.map((event) => event.payload.rows[0]?.newDocumentState.id)).toEqual(['c']);
  });

  it('sends the handshake’s pushes as events when the server never answers `pushed` (it does not know them)', () => {
    vi.useFakeTimers();
    const { queue, emitted } = queueWithEvents();
    void queue.push(pushOf('a'));
    queue.forHandshake();
    queue.connected();
    expect(emitted).toEqual([]);

    vi.advanceTimersByTime(3_000);
    expect(emitted.map((event) => event.payload)).toEqual([pushOf('a')]);
  });

  it('hands one refusal of the whole list to every push it carried, for RxDB to retry', async () => {
    const { queue } = queueWithEvents();
    const answers = [queue.push(pushOf('a')), queue.push(pushOf('b'))];
    queue.forHandshake();
    queue.connected();
    const refusal = { error: { code: 'VALIDATION_FAILED' as const, message: 'auth.pushes ...' } };
    queue.pushed(refusal);
    await expect(Promise.all(answers)).resolves.toEqual([refusal, refusal]);
  });

  it('fails what is waiting only when the transport stops for good', async () => {
    const { queue } = queueWithEvents();
    const answer = queue.push(pushOf('a'));
    queue.disconnected();
    queue.stop('stopped');
    await expect(answer).rejects.toBeInstanceOf(TransportError);
  });
});
