import { createAttachmentDownloads } from './attachment-downloads.ts';
import { type AttachmentOutboxDeps, createAttachmentOutbox } from './attachment-outbox.ts';
import { openAttachmentStore } from './attachment-store.ts';
import { mediaInfoOf } from './media-info.dom.ts';

/**
 * The attachments of a signed-in account: the outbox of files on their way out and the downloads
 * of received ones, over one IndexedDB store. `supported` is false on the tweetnacl fallback (no
 * secretstream): the chat then offers no attach button and says why on received files.
 */
export function startAttachments(deps: Omit<AttachmentOutboxDeps, 'store' | 'mediaInfo'>) {
  const store = openAttachmentStore();
  const supported = deps.nacl.supports.has('secretstreamPush');
  const outbox = supported
    ? createAttachmentOutbox({ ...deps, store, mediaInfo: mediaInfoOf })
    : null;
  const downloads = createAttachmentDownloads({ ...deps, store });
  return {
    supported,
    outbox,
    downloads,
    stop(): void {
      outbox?.stop();
      store.close();
    },
  };
}

export type Attachments = ReturnType<typeof startAttachments>;
