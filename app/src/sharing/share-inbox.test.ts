// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { createDrafts } from '../chat/drafts.ts';
import type { AppDatabase } from '../database/app-database.ts';
import { openTestDatabase } from '../database/test-database.ts';
import type { SharedContent } from '../platform/platform.ts';
import { startShareInbox } from './share-inbox.ts';

const CONVERSATION = '00000000-0000-4000-8000-0000000000c0';
const OTHER = '00000000-0000-4000-8000-0000000000c1';

let database: AppDatabase | undefined;
afterEach(async () => {
  if (database !== undefined && !database.closed) await database.remove();
  database = undefined;
});

describe('content shared into the app', () => {
  it('goes to the conversation opened next: the text into its draft, the files to its chat once', async () => {
    database = await openTestDatabase();
    const page = { template: '<div />' };
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/chats', component: page },
        { path: '/chats/:id', component: page },
      ],
    });
    let share: ((shared: SharedContent) => void) | undefined;
    const inbox = startShareInbox({
      shareTarget: {
        subscribe(listener) {
          share = listener;
          return () => undefined;
        },
      },
      router,
      database,
    });
    await router.push('/chats');
    const photo = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' });
    share?.({
      texts: ['look at this'],
      files: [{ name: 'trail.jpg', type: 'image/jpeg', size: 3, blob: photo }],
    });
    expect(inbox.pending.value?.files).toHaveLength(1);

    await router.push(`/chats/${CONVERSATION}`);
    expect(inbox.pending.value).toBeNull();
    expect(await createDrafts(database).read(CONVERSATION)).toBe('look at this');
    // An open chat of that conversation learns that files wait for it.
    expect([...inbox.filesWaiting.value]).toEqual([CONVERSATION]);
    expect(inbox.takeFiles(OTHER)).toEqual([]);
    expect(inbox.takeFiles(CONVERSATION).map((file) => file.name)).toEqual(['trail.jpg']);
    expect(inbox.takeFiles(CONVERSATION)).toEqual([]);
    expect([...inbox.filesWaiting.value]).toEqual([]);
    inbox.stop();
  });
});
