import { afterEach, describe, expect, it } from 'vitest';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase } from '../database/app-database.ts';
import { NO_EPOCH } from '../database/local-schemas.ts';
import { openTestDatabase } from '../database/test-database.ts';
import type { MessageNotice, Notifier } from '../platform/platform.ts';
import { startMessageNotices } from './message-notices.ts';
import { createMuteActions } from './mutes.ts';

const ME = '00000000-0000-4000-8000-0000000000a1';
const ALICE = '00000000-0000-4000-8000-0000000000a2';
const CHAT = '00000000-0000-4000-8000-0000000000c1';
const OTHER_CHAT = '00000000-0000-4000-8000-0000000000c2';

/** The operating system's notification centre and badge, which the page cannot reach. */
function recordingNotifier() {
  const shown: MessageNotice[] = [];
  const badges: number[] = [];
  const notifier: Notifier = {
    permission: () => 'granted',
    requestPermission: async () => 'granted',
    show: (notice) => shown.push(notice),
    setBadge: (count) => badges.push(count),
    onOpened: () => () => undefined,
  };
  return { notifier, shown, badges };
}

let database: AppDatabase;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await database.remove();
});

let sequence = 0;
async function arrives(
  conversationId: string,
  from: string,
  text: string,
  kind: 'text' | 'unreadable' = 'text',
) {
  sequence++;
  const at = new Date(Date.UTC(2026, 0, 1, 10, 0, sequence)).toISOString();
  const id = `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`;
  await database.messageViews.upsert({
    id,
    conversationId,
    senderUserId: from,
    senderDeviceId: '00000000-0000-4000-8000-0000000000d1',
    sortKey: `${at}|${id}`,
    newestFirstKey: `~${999 - sequence}`,
    createdAt: at,
    editedAt: null,
    kind,
    text,
    replyTo: null,
    target: null,
    emoji: null,
    synced: true,
    sourceRev: String(sequence),
    epoch: kind === 'text' ? 0 : NO_EPOCH,
  });
  return id;
}

async function start(options: { onScreen?: string; previews?: boolean; caughtUp: Promise<void> }) {
  database = await openTestDatabase();
  await database.users.insert({
    id: ALICE,
    username: 'alice',
    displayName: 'Alice',
    identityPublicKey: null,
  });
  for (const id of [CHAT, OTHER_CHAT]) {
    await database.conversations.insert({
      id,
      kind: 'direct',
      titleCiphertext: null,
      createdBy: ALICE,
      directPeerId: ME,
    });
  }
  const recorder = recordingNotifier();
  const notices = startMessageNotices({
    database,
    crypto: {} as ClientCrypto,
    selfUserId: ME,
    notifier: recorder.notifier,
    caughtUp: options.caughtUp,
    isOnScreen: (conversationId) => conversationId === options.onScreen,
    previews: () => options.previews ?? false,
  });
  stop = () => notices.stop();
  return recorder;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describe('new-message notifications', () => {
  it('name the sender and say "New message", for others’ messages not on screen, once each', async () => {
    const { shown } = await start({ onScreen: OTHER_CHAT, caughtUp: Promise.resolve() });
    await settle();
    await arrives(CHAT, ALICE, 'the secret plan');
    await arrives(CHAT, ME, 'my own message');
    await arrives(OTHER_CHAT, ALICE, 'seen as it arrives');
    const later = await arrives(CHAT, ALICE, '', 'unreadable');
    await settle();
    expect(shown).toEqual([{ conversationId: CHAT, title: 'Alice', body: 'New message' }]);

    // A message that could not be opened notifies once it can.
    await database.messageViews.upsert({
      ...(await database.messageViews.findOne(later).exec())?.toJSON(),
      kind: 'text',
      text: 'opened later',
    } as never);
    await settle();
    expect(shown).toHaveLength(2);
  });

  it('show the text only when the person turned previews on, and nothing of a request', async () => {
    const { shown } = await start({ previews: true, caughtUp: Promise.resolve() });
    await settle();
    await arrives(CHAT, ALICE, 'x'.repeat(200));
    await settle();
    expect(shown[0]?.body).toBe(`${'x'.repeat(140)}…`);

    // A stranger's request (its messages stay hidden until accepted) says only that it is one.
    await database.members.insert({
      id: `${OTHER_CHAT}|${ME}`,
      conversationId: OTHER_CHAT,
      userId: ME,
      role: 'member',
      removed: false,
      accepted: false,
    });
    await settle();
    expect(shown).toHaveLength(2);
    expect(shown[1]).toEqual({
      conversationId: OTHER_CHAT,
      title: 'Alice',
      body: 'Message request',
    });
  });

  it('stay quiet for the backlog of the first sync, which the badge counts', async () => {
    let caughtUp: () => void = () => undefined;
    const { shown, badges } = await start({
      caughtUp: new Promise<void>((resolve) => {
        caughtUp = resolve;
      }),
    });
    await arrives(CHAT, ALICE, 'from yesterday');
    await arrives(OTHER_CHAT, ALICE, 'also from yesterday');
    await settle();
    await expect.poll(() => badges.at(-1)).toBe(2);
    expect(shown).toEqual([]);
    caughtUp();
    await settle();
    await arrives(CHAT, ALICE, 'now');
    await settle();
    await expect.poll(() => shown.length).toBe(1);
    await expect.poll(() => badges.at(-1)).toBe(3);
    stop?.();
    stop = undefined;
    expect(badges.at(-1)).toBe(0);
  });

  it('leave a muted conversation out of notifications and the badge, until the mute runs out', async () => {
    const { shown, badges } = await start({ caughtUp: Promise.resolve() });
    const mutes = createMuteActions(database, ME);
    await mutes.mute(CHAT, 'always');
    await database.mutes.insert({
      id: `${ME}|${OTHER_CHAT}`,
      userId: ME,
      conversationId: OTHER_CHAT,
      until: new Date(Date.now() + 1_500).toISOString(),
    });
    await settle();
    await arrives(CHAT, ALICE, 'muted for good');
    await arrives(OTHER_CHAT, ALICE, 'muted for a moment');
    await settle();
    expect(shown).toEqual([]);
    expect(badges.at(-1)).toBe(0);

    // The short mute ends by itself: its unread message counts again, and the next one notifies.
    await expect.poll(() => badges.at(-1), { timeout: 5_000 }).toBe(1);
    await arrives(OTHER_CHAT, ALICE, 'heard again');
    await expect.poll(() => shown.map((notice) => notice.conversationId)).toEqual([OTHER_CHAT]);

    await mutes.unmute(CHAT);
    await expect.poll(() => badges.at(-1)).toBe(3);
  });
});
