import type { PushRequest, PushResponse, WireDocument } from '@anochat/schemas/rxdb/sync';

/**
 * For each row stored as pushed (written now or by an earlier push), the fields of its stored
 * document that differ from the pushed state: the ones the server set (rev, times, a deleted
 * message's one-byte envelope).
 */
export function serverSetFields(
  request: PushRequest,
  stored: readonly WireDocument[],
): PushResponse['stored'] {
  const pushed = new Map(
    request.rows.map((row) => [row.newDocumentState.id, row.newDocumentState]),
  );
  return stored.flatMap((document) => {
    const sent = pushed.get(document.id);
    if (sent === undefined) return [];
    const changed = Object.entries(document).filter(
      ([field, value]) => JSON.stringify(value) !== JSON.stringify(sent[field]),
    );
    return changed.length === 0 ? [] : [{ ...Object.fromEntries(changed), id: document.id }];
  });
}
