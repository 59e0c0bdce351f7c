import type { PullResponse } from '@anochat/schemas/rxdb/sync';
import type { Position } from './pull-queries.ts';

/** One answered pull, with what the live stream needs to take the device over from it. */
export interface PullResult {
  response: PullResponse;
  /** Where the device stands once it stored this answer. */
  end: Position;
  horizon: bigint;
  nextXid: bigint;
}
