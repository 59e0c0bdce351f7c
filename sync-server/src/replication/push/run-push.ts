import type {
  PushRequest,
  PushResponse,
  RejectedRow,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import type pg from 'pg';
import type { Logger } from '../../logging/logger.ts';
import type { Author } from '../author.ts';
import { PUSH_HANDLERS } from './handlers.ts';
import { readStoredDocuments } from './stored-documents.ts';
import {
  type BatchHandler,
  type EnvelopeChecks,
  type Notification,
  type Quotas,
  type RowOutcome,
  reject,
} from './types.ts';

const sqlState = (error: unknown) => (error as { code?: unknown })?.code;
/** Data exceptions (22) and constraint violations (23): the row is refused, the batch goes on. */
export const isRowError = (error: unknown) => {
  const code = sqlState(error);
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

/** A write of the batch broke a constraint: the batch is decided again row by row. */
export class RowByRowNeeded extends Error {
  override readonly name = 'RowByRowNeeded';
}

/** Rows losing insert races again and again would be a fault; the batch fails and is retried. */
const MAX_ROUNDS = 5;

export interface PushOutcome {
  response: Omit<PushResponse, 'stored'>;
  notifications: Notification[];
  /** The stored documents of the rows stored as pushed (written now or before). */
  stored: WireDocument[];
  /** Conversations that received new messages in this push. */
  arrivals: string[];
}

/**
 * Decides a push batch inside the caller's open transaction. Normally the whole batch goes to the
 * collection's handler at once (a few reads, one write per table). Rows repeating an id are left
 * for a next round, as are rows that lost an insert race, so each round has distinct ids and every
 * row is decided against what is stored. `rowByRow` (after a constraint broke a batch write)
 * decides each row alone under a savepoint, so a row the database refuses is refused alone.
 */
export async function decidePush(
  db: pg.PoolClient,
  author: Author,
  request: PushRequest,
  rowByRow: boolean,
  logger: Logger,
  checks: EnvelopeChecks,
  quotas: Quotas,
): Promise<PushOutcome> {
  const handler = PUSH_HANDLERS[request.collection];
  const outcomes: (RowOutcome | undefined)[] = request.rows.map(() => undefined);
  const notifications: Notification[] = [];
  const stored: WireDocument[] = [];
  const arrivals = new Set<string>();
  for (let round = 1; outcomes.includes(undefined); round += 1) {
    if (round > MAX_ROUNDS) throw new Error('push rows kept losing insert races');
    const ids = new Set<string>();
    const indexes: number[] = [];
    request.rows.forEach((row, index) => {
      if (outcomes[index] !== undefined || ids.has(row.newDocumentState.id)) return;
      ids.add(row.newDocumentState.id);
      indexes.push(index);
    });
    const decided = rowByRow
      ? await eachAlone(db, author, handler, request, indexes, logger, checks, quotas)
      : await handler(
          db,
          author,
          indexes.map((index) => request.rows[index] as PushRequest['rows'][number]),
          checks,
          quotas,
        ).catch((error: unknown) => {
          throw isRowError(error) ? new RowByRowNeeded('a batch write broke a constraint') : error;
        });
    decided.outcomes.forEach((outcome, position) => {
      if (outcome.kind !== 'retry') outcomes[indexes[position] as number] = outcome;
    });
    notifications.push(...decided.notifications);
    stored.push(...(decided.stored ?? []));
    for (const conversationId of decided.arrivals ?? []) arrivals.add(conversationId);
  }
  return {
    response: summarize(request, outcomes),
    notifications,
    stored: await storedOfAccepted(db, request, outcomes, stored),
    arrivals: [...arrivals],
  };
}

/**
 * The stored document of every row that is stored as pushed: written now (handlers return what
 * their writes returned) or already (a retried push, whose earlier answer may have been lost): the
 * rest are read here, so the answer carries the server's fields for each of them.
 */
async function storedOfAccepted(
  db: pg.PoolClient,
  request: PushRequest,
  outcomes: readonly (RowOutcome | undefined)[],
  returned: readonly WireDocument[],
): Promise<WireDocument[]> {
  // A later round's document of the same id is the newer one.
  const byId = new Map(returned.map((document) => [document.id, document]));
  const accepted = new Set<string>();
  request.rows.forEach((row, index) => {
    const kind = outcomes[index]?.kind;
    if (kind === 'written' || kind === 'unchanged') accepted.add(row.newDocumentState.id);
  });
  const missing = [...accepted].filter((id) => !byId.has(id));
  for (const document of await readStoredDocuments(db, request.collection, missing)) {
    byId.set(document.id, document);
  }
  return [...byId.values()].filter((document) => accepted.has(document.id));
}

function summarize(
  request: PushRequest,
  outcomes: readonly (RowOutcome | undefined)[],
): Omit<PushResponse, 'stored'> {
  const conflicts: PushResponse['conflicts'] = [];
  const rejected: RejectedRow[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome?.kind === 'conflict') conflicts.push(outcome.master);
    if (outcome?.kind === 'rejected') {
      rejected.push({
        id: request.rows[index]?.newDocumentState.id as string,
        code: outcome.code,
        message: outcome.message,
      });
    }
  });
  return { conflicts, rejected };
}

async function eachAlone(
  db: pg.PoolClient,
  author: Author,
  handler: BatchHandler,
  request: PushRequest,
  indexes: readonly number[],
  logger: Logger,
  checks: EnvelopeChecks,
  quotas: Quotas,
) {
  const outcomes: RowOutcome[] = [];
  const notifications: Notification[] = [];
  const stored: WireDocument[] = [];
  const arrivals: string[] = [];
  for (const index of indexes) {
    await db.query('SAVEPOINT push_row');
    try {
      const decided = await handler(
        db,
        author,
        [request.rows[index] as PushRequest['rows'][number]],
        checks,
        quotas,
      );
      await db.query('RELEASE SAVEPOINT push_row');
      outcomes.push(decided.outcomes[0] as RowOutcome);
      notifications.push(...decided.notifications);
      stored.push(...(decided.stored ?? []));
      arrivals.push(...(decided.arrivals ?? []));
    } catch (error) {
      if (!isRowError(error)) throw error;
      await db.query('ROLLBACK TO SAVEPOINT push_row');
      logger.debug(
        { err: error, collection: request.collection },
        'push row refused by the database',
      );
      outcomes.push(reject('INVALID_ROW', 'the row breaks a constraint'));
    }
  }
  return { outcomes, notifications, stored, arrivals };
}
