import type { SyncNacl } from '@anochat/crypto-native';
import { ATTACHMENT_ROUTES, UPLOAD_CHUNK_BYTES } from '@anochat/schemas/api/attachments';
import type { AttachmentPayload } from '@anochat/schemas/e2e/payload';
import { BehaviorSubject } from 'rxjs';
import type { DetailedError, Upload } from 'tus-js-client';
import type { NetworkStatus } from '../platform/platform.ts';
import { encryptFile } from './attachment-encryption.ts';
import type { AttachmentStore, OutboxItem } from './attachment-store.ts';
import type { MediaInfo } from './media-info.ts';

/** What the chat shows for an attachment on its way. */
export interface UploadState {
  messageId: string;
  conversationId: string;
  fileName: string;
  /** Encrypted bytes the server acknowledged, of `total`. */
  sent: number;
  total: number;
  phase: 'encrypting' | 'uploading' | 'waiting' | 'failed';
  error: string | null;
}

const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10000, 20000];

export interface AttachmentOutboxDeps {
  store: AttachmentStore;
  nacl: SyncNacl;
  serverUrl: string;
  accessToken(): Promise<string>;
  network: NetworkStatus;
  newMessageId(): string;
  mediaInfo(file: File): Promise<MediaInfo>;
  /** Seals and stores the message (once: a message that exists already is left as it is). */
  sendMessage(conversationId: string, messageId: string, payload: AttachmentPayload): Promise<void>;
}

/**
 * Attachments on their way out. A chosen file is encrypted and kept in the outbox (IndexedDB)
 * before anything goes on the wire, so it waits through offline periods and reloads like a text.
 * Uploading resumes from the offset the server acknowledged (tus HEAD on the stored upload URL);
 * only when the blob is complete is the message sealed and stored, under the id reserved at the
 * start, so a crash between the two sends it once: the next run finds the message and only clears
 * the outbox.
 */
export function createAttachmentOutbox(deps: AttachmentOutboxDeps) {
  const { store } = deps;
  const states = new BehaviorSubject<ReadonlyMap<string, UploadState>>(new Map());
  const running = new Map<string, Upload>();
  let stopped = false;
  // The tus client is fetched with the first upload, not with the page (a smaller first load).
  let tus: typeof import('tus-js-client') | null = null;
  let loadingTus: Promise<unknown> | null = null;
  function loadTus(): Promise<unknown> {
    loadingTus ??= import('tus-js-client').then(
      (module) => {
        tus = module;
      },
      (error: unknown) => {
        loadingTus = null;
        throw error;
      },
    );
    return loadingTus;
  }

  function setState(messageId: string, change: Partial<UploadState> | null) {
    const next = new Map(states.value);
    if (change === null) next.delete(messageId);
    else next.set(messageId, { ...(next.get(messageId) as UploadState), ...change });
    states.next(next);
  }

  function payloadOf(item: OutboxItem, blobId: string): AttachmentPayload {
    return {
      type: 'attachment',
      fileName: item.fileName,
      mime: item.mime,
      size: item.size,
      key: item.key as Uint8Array<ArrayBuffer>,
      header: item.header as Uint8Array<ArrayBuffer>,
      contentHash: item.contentHash as Uint8Array<ArrayBuffer>,
      blobId,
      ...(item.width === undefined || item.height === undefined
        ? {}
        : { width: item.width, height: item.height }),
      ...(item.durationMs === undefined ? {} : { durationMs: item.durationMs }),
      ...(item.preview === undefined ? {} : { preview: item.preview as Uint8Array<ArrayBuffer> }),
      ...(item.caption === '' ? {} : { caption: item.caption }),
    };
  }

  // Uploads complete in any order (a small file overtakes a large one); their messages go out in
  // the order the files were chosen, each once every earlier file of its conversation went out.
  const uploaded = new Map<string, string>();
  let sending: Promise<void> = Promise.resolve();

  async function sendReady(conversationId: string) {
    const waiting = (await store.outbox.orderBy('createdAt').toArray()).filter(
      (item) => item.conversationId === conversationId,
    );
    for (const item of waiting) {
      const uploadUrl = uploaded.get(item.messageId);
      if (uploadUrl === undefined) return;
      const blobId = uploadUrl.split('/').pop() as string;
      try {
        await deps.sendMessage(item.conversationId, item.messageId, payloadOf(item, blobId));
      } catch (error) {
        // Say, the conversation's key has not arrived yet: Retry sends it (the blob is complete).
        uploaded.delete(item.messageId);
        running.delete(item.messageId);
        setState(item.messageId, { phase: 'failed', error: String(error) });
        return;
      }
      await store.outbox.delete(item.messageId);
      uploaded.delete(item.messageId);
      running.delete(item.messageId);
      setState(item.messageId, null);
    }
  }

  function flush(conversationId: string) {
    sending = sending
      .then(() => sendReady(conversationId))
      .catch((error: unknown) => console.error('AnoChat: sending an attachment failed', error));
  }

  function complete(item: OutboxItem, uploadUrl: string) {
    uploaded.set(item.messageId, uploadUrl);
    flush(item.conversationId);
  }

  /** Offline, it waits for the network to come back; online, the person is shown the error. */
  function failed(item: OutboxItem, message: string) {
    const offline = !deps.network.online();
    setState(item.messageId, {
      phase: offline ? 'waiting' : 'failed',
      error: offline ? null : message,
    });
  }

  function start(item: OutboxItem) {
    if (stopped || running.has(item.messageId)) return;
    if (!deps.network.online()) {
      setState(item.messageId, { phase: 'waiting' });
      return;
    }
    if (tus === null) {
      loadTus().then(
        // Unless it was cancelled meanwhile.
        async () => {
          if ((await store.outbox.get(item.messageId)) !== undefined) start(item);
        },
        (error: unknown) => failed(item, String(error)),
      );
      return;
    }
    const upload: Upload = new tus.Upload(item.blob, {
      endpoint: `${deps.serverUrl}${ATTACHMENT_ROUTES.uploads}`,
      uploadUrl: item.uploadUrl,
      metadata: { conversationId: item.conversationId, messageId: item.messageId },
      chunkSize: UPLOAD_CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: true,
      async onBeforeRequest(request) {
        request.setHeader('Authorization', `Bearer ${await deps.accessToken()}`);
      },
      onUploadUrlAvailable() {
        // Kept at once: after a reload the upload resumes there instead of starting again.
        if (upload.url !== null)
          void store.outbox.update(item.messageId, { uploadUrl: upload.url });
      },
      onShouldRetry(error: DetailedError) {
        const status = error.originalResponse?.getStatus() ?? 0;
        // No answer, a conflict of offsets (ask again), locked, rate-limited or a server fault.
        return status === 0 || status === 409 || status === 423 || status === 429 || status >= 500;
      },
      onProgress(sent, total) {
        setState(item.messageId, { phase: 'uploading', sent, total, error: null });
      },
      onSuccess() {
        complete(item, upload.url as string);
      },
      onError(error) {
        running.delete(item.messageId);
        failed(item, error.message);
      },
    });
    running.set(item.messageId, upload);
    setState(item.messageId, { phase: 'uploading', error: null });
    upload.start();
  }

  async function resumeAll() {
    for (const item of await store.outbox.orderBy('createdAt').toArray()) {
      if (!states.value.has(item.messageId))
        states.next(
          new Map(states.value).set(item.messageId, {
            messageId: item.messageId,
            conversationId: item.conversationId,
            fileName: item.fileName,
            sent: 0,
            total: item.blob.size,
            phase: 'waiting',
            error: null,
          }),
        );
      start(item);
    }
  }

  // A store that cannot be read (a browser's private mode) leaves files unsent, never the app down.
  const resume = () =>
    resumeAll().catch((error: unknown) =>
      console.error('AnoChat: waiting attachments could not be resumed', error),
    );
  const unsubscribe = deps.network.subscribe((online) => {
    if (online) void resume();
  });
  void resume();

  return {
    /** Upload progress per message id, for the chat. */
    states: states.asObservable(),

    /** Encrypts `file`, keeps it in the outbox and starts (or queues) its upload. */
    async attach(conversationId: string, file: File, caption = ''): Promise<string> {
      const messageId = deps.newMessageId();
      const base = {
        messageId,
        conversationId,
        fileName: file.name || 'file',
        sent: 0,
        total: file.size,
        error: null,
      };
      setState(messageId, { ...base, phase: 'encrypting' });
      try {
        const [info, encrypted] = await Promise.all([
          deps.mediaInfo(file),
          encryptFile(deps.nacl, file),
        ]);
        const item: OutboxItem = {
          messageId,
          conversationId,
          fileName: base.fileName,
          mime: file.type || 'application/octet-stream',
          size: file.size,
          caption,
          blob: encrypted.blob,
          key: encrypted.sealed.key,
          header: encrypted.sealed.header,
          contentHash: encrypted.sealed.contentHash,
          ...info,
          uploadUrl: null,
          createdAt: Date.now(),
        };
        await store.outbox.add(item);
        setState(messageId, { phase: 'waiting', total: encrypted.blob.size });
        start(item);
      } catch (error) {
        setState(messageId, { phase: 'failed', error: String(error) });
        throw error;
      }
      return messageId;
    },

    /** Stops the upload, removes what the server has of it, and forgets the file. */
    async cancel(messageId: string): Promise<void> {
      const upload = running.get(messageId);
      running.delete(messageId);
      const item = await store.outbox.get(messageId);
      await store.outbox.delete(messageId);
      uploaded.delete(messageId);
      setState(messageId, null);
      // Files chosen after this one no longer wait for it.
      if (item !== undefined) flush(item.conversationId);
      // Terminates the upload on the server (tus DELETE) when it had begun.
      if (upload !== undefined) await upload.abort(true).catch(() => undefined);
      else if (item?.uploadUrl) {
        await fetch(item.uploadUrl, {
          method: 'DELETE',
          headers: {
            authorization: `Bearer ${await deps.accessToken()}`,
            'tus-resumable': '1.0.0',
          },
        }).catch(() => undefined);
      }
    },

    /** Tries a failed upload again, from where the server stopped. */
    async retry(messageId: string): Promise<void> {
      const item = await store.outbox.get(messageId);
      if (item !== undefined) start(item);
    },

    stop(): void {
      stopped = true;
      unsubscribe();
      for (const upload of running.values()) void upload.abort(false);
      running.clear();
    },
  };
}

export type AttachmentOutbox = ReturnType<typeof createAttachmentOutbox>;
