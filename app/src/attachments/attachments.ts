import { createAttachmentDownloads } from './attachment-downloads.ts';
import { type AttachmentOutboxDeps, createAttachmentOutbox } from './attachment-outbox.ts';

/** What the account gives the attachments: crypto, the server, the network, sending a message. */
export type AttachmentServices = Omit<AttachmentOutboxDeps, 'store' | 'mediaInfo'>;

/** What the host gives them: where files wait and are kept, and how pictures are measured. */
export type AttachmentHost = Pick<AttachmentOutboxDeps, 'store' | 'mediaInfo'>;

/**
 * The attachments of a signed-in account: the outbox of files on their way out and the downloads
 * of received ones, over one store. `supported` is false on the tweetnacl fallback (no
 * secretstream): the chat then offers no attach button and says why on received files.
 */
export function startAttachments(deps: AttachmentServices, host: AttachmentHost) {
  const supported = deps.nacl.supports.has('secretstreamPush');
  const outbox = supported ? createAttachmentOutbox({ ...deps, ...host }) : null;
  const downloads = createAttachmentDownloads({ ...deps, store: host.store });
  return {
    supported,
    outbox,
    downloads,
    stop(): void {
      outbox?.stop();
      host.store.close();
    },
  };
}

export type Attachments = ReturnType<typeof startAttachments>;
