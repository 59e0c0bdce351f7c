import { userSearchRequest } from '@anochat/schemas/api/users';
import { describeError } from '../api/api-error.ts';
import type { ServerApi } from '../api/server-api.ts';
import type { SessionService } from '../session/session-service.ts';
import type { Contact } from './contacts.ts';

/** Typing pauses this long before the server is asked: searches are rate-limited. */
export const SEARCH_DELAY_MS = 350;

/** Whether the server would search for this text (long enough, nothing it refuses). */
export function isSearchable(text: string): boolean {
  return userSearchRequest.safeParse({ query: text }).success;
}

/** People on the server whose username or display name begins with `query` (docs/protocol.md). */
export async function searchPeople(
  api: ServerApi,
  session: SessionService,
  query: string,
): Promise<Contact[]> {
  const { users } = await session.authenticated((token) => api.searchUsers(token, query.trim()));
  return users.map(({ id, username, displayName }) => ({ id, username, displayName }));
}

export type PeopleSearchState =
  | { status: 'idle' }
  | { status: 'searching'; query: string }
  | { status: 'found'; query: string; people: Contact[] }
  | { status: 'failed'; query: string; error: string };

/**
 * Search as one types: the server is asked once typing pauses, for searchable text only, and
 * only the answer for the text typed now is shown (an older one may arrive late).
 */
export function createPeopleSearch(options: {
  search: (query: string) => Promise<Contact[]>;
  onChange: (state: PeopleSearchState) => void;
  delayMs?: number;
}) {
  const delayMs = options.delayMs ?? SEARCH_DELAY_MS;
  let current = '';
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function run(query: string): Promise<void> {
    try {
      const people = await options.search(query);
      if (current === query) options.onChange({ status: 'found', query, people });
    } catch (error) {
      if (current === query)
        options.onChange({ status: 'failed', query, error: describeError(error) });
    }
  }

  return {
    /** The text in the search field changed. */
    type(text: string): void {
      const query = text.trim();
      if (query === current) return;
      current = query;
      clearTimeout(timer);
      if (!isSearchable(query)) {
        options.onChange({ status: 'idle' });
        return;
      }
      options.onChange({ status: 'searching', query });
      timer = setTimeout(() => void run(query), delayMs);
    },
    stop(): void {
      clearTimeout(timer);
      current = '';
    },
  };
}
