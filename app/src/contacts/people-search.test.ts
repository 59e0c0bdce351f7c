// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientError } from '../api/api-error.ts';
import type { Contact } from './contacts.ts';
import { createPeopleSearch, isSearchable, type PeopleSearchState } from './people-search.ts';

const ann: Contact = {
  id: '00000000-0000-4000-8000-000000000001',
  username: 'ann',
  displayName: 'Ann',
};
const anna: Contact = {
  id: '00000000-0000-4000-8000-000000000002',
  username: 'anna',
  displayName: 'Anna',
};

/** A server whose answers the test releases one by one, in any order. */
function controlledServer() {
  const asked: {
    query: string;
    answer: (people: Contact[]) => void;
    fail: (error: unknown) => void;
  }[] = [];
  const search = (query: string) =>
    new Promise<Contact[]>((resolve, reject) =>
      asked.push({ query, answer: resolve, fail: reject }),
    );
  return { asked, search };
}

describe('people search as one types', () => {
  let states: PeopleSearchState[];
  beforeEach(() => {
    vi.useFakeTimers();
    states = [];
  });
  afterEach(() => vi.useRealTimers());

  it('asks the server once, after typing pauses, for the text typed last', async () => {
    const server = controlledServer();
    const search = createPeopleSearch({
      search: server.search,
      onChange: (s) => states.push(s),
      delayMs: 300,
    });
    for (const text of ['a', 'an', 'ann', 'anna']) {
      search.type(text);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(server.asked).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(server.asked.map((call) => call.query)).toEqual(['anna']);
    server.asked[0]?.answer([anna]);
    await vi.runAllTimersAsync();
    expect(states.at(-1)).toEqual({ status: 'found', query: 'anna', people: [anna] });
  });

  it('does not ask for text the server would refuse, and goes idle', async () => {
    const server = controlledServer();
    const search = createPeopleSearch({ search: server.search, onChange: (s) => states.push(s) });
    search.type('ann');
    search.type('an');
    search.type('  ab ');
    await vi.runAllTimersAsync();
    expect(server.asked).toEqual([]);
    expect(states.at(-1)).toEqual({ status: 'idle' });
    expect(isSearchable('ab')).toBe(false);
    expect(isSearchable(' abc ')).toBe(true);
    expect(isSearchable(`abc${'\u0007'}`)).toBe(false);
  });

  it('drops an answer that arrives after the text changed', async () => {
    const server = controlledServer();
    const search = createPeopleSearch({
      search: server.search,
      onChange: (s) => states.push(s),
      delayMs: 10,
    });
    search.type('ann');
    await vi.advanceTimersByTimeAsync(10);
    search.type('anna');
    await vi.advanceTimersByTimeAsync(10);
    const [first, second] = server.asked;
    second?.answer([anna]);
    await vi.runAllTimersAsync();
    first?.answer([ann, anna]);
    await vi.runAllTimersAsync();
    expect(states.at(-1)).toEqual({ status: 'found', query: 'anna', people: [anna] });
    expect(states.some((state) => state.status === 'found' && state.query === 'ann')).toBe(false);
  });

  it('says why a search failed, and ignores its typing after stop', async () => {
    const server = controlledServer();
    const search = createPeopleSearch({
      search: server.search,
      onChange: (s) => states.push(s),
      delayMs: 10,
    });
    search.type('ann');
    await vi.advanceTimersByTimeAsync(10);
    server.asked[0]?.fail(new ClientError('RATE_LIMITED', 'too many'));
    await vi.runAllTimersAsync();
    expect(states.at(-1)).toEqual({
      status: 'failed',
      query: 'ann',
      error: 'Too many attempts. Wait a minute and try again.',
    });
    search.type('anna');
    search.stop();
    await vi.runAllTimersAsync();
    expect(server.asked).toHaveLength(1);
  });
});
