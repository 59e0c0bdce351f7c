import { type ShallowRef, shallowRef } from 'vue';
import type { Router } from 'vue-router';
import { createDrafts } from '../chat/drafts.ts';
import type { AppDatabase } from '../database/app-database.ts';
import type { PickedFile, SharedContent, ShareTarget, Unsubscribe } from '../platform/platform.ts';

export interface ShareInbox {
  /** What another app shared, waiting for the person to pick a conversation. */
  pending: ShallowRef<SharedContent | null>;
  dismiss(): void;
  /**
   * Conversations with shared files waiting for them: a chat already open (Ionic keeps its pane
   * alive under the list) sees the files arrive, not only a chat being created.
   */
  filesWaiting: ShallowRef<ReadonlySet<string>>;
  /** The shared files for the conversation that was opened with them, handed over once. */
  takeFiles(conversationId: string): PickedFile[];
}

/**
 * Content shared into AnoChat from another app: the person is shown the conversation list with
 * what is waiting, and the conversation they open gets the shared text in its draft (added
 * before the page opens, so the composer shows it), ready to read over and send; shared files
 * wait for that conversation's chat to take them as attachments.
 */
export function startShareInbox(deps: {
  shareTarget: ShareTarget | null;
  router: Router;
  database: AppDatabase;
}): ShareInbox & { stop: Unsubscribe } {
  const pending = shallowRef<SharedContent | null>(null);
  const filesFor = new Map<string, PickedFile[]>();
  const filesWaiting = shallowRef<ReadonlySet<string>>(new Set());
  const publish = () => {
    filesWaiting.value = new Set(filesFor.keys());
  };
  const drafts = createDrafts(deps.database);
  const stopListening =
    deps.shareTarget?.subscribe((shared) => {
      pending.value = shared;
      void deps.router.push('/chats');
    }) ?? (() => undefined);
  const stopGuard = deps.router.beforeResolve(async (to) => {
    const shared = pending.value;
    const conversationId = to.params.id;
    if (shared === null || typeof conversationId !== 'string' || to.path.endsWith('/info')) return;
    pending.value = null;
    if (shared.files.length > 0) {
      filesFor.set(conversationId, [...(filesFor.get(conversationId) ?? []), ...shared.files]);
      publish();
    }
    const text = shared.texts.join('\n').trim();
    if (text === '') return;
    const draft = await drafts.read(conversationId);
    await drafts.write(conversationId, draft === '' ? text : `${draft}\n${text}`);
  });
  return {
    pending,
    dismiss: () => {
      pending.value = null;
    },
    filesWaiting,
    takeFiles(conversationId) {
      const files = filesFor.get(conversationId) ?? [];
      if (filesFor.delete(conversationId)) publish();
      return files;
    },
    stop() {
      stopListening();
      stopGuard();
    },
  };
}
