import type { SyncNacl } from '@anochat/crypto-native';
import { ATTACHMENT_ROUTES } from '@anochat/schemas/api/attachments';
import { BehaviorSubject } from 'rxjs';
import { decryptBlob } from './attachment-encryption.ts';
import { cacheLimitBytes } from './attachment-settings.ts';
import type { AttachmentStore } from './attachment-store.ts';

/** What a Blob is made of (the DOM's BlobPart, named without the DOM library). */
type BlobParts = NonNullable<ConstructorParameters<typeof Blob>[0]>;

/** What a message's descriptor gives the downloader (docs/crypto.md, "Attachments"). */
export interface DownloadRequest {
  blobId: string;
  mime: string;
  size: number;
  key: Uint8Array;
  header: Uint8Array;
  contentHash: Uint8Array;
}

export interface DownloadState {
  received: number;
  total: number;
  phase: 'downloading' | 'failed';
  error: string | null;
}

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ATTEMPTS = 6;
const RETRY_BASE_MS = 500;

/**
 * Received attachments: fetched on demand (or by the auto-download setting), resumed with HTTP
 * ranges after a cut, decrypted and checked whole before anything is shown, then kept in
 * IndexedDB for offline viewing within the storage limit (least recently used files go first).
 */
export function createAttachmentDownloads(deps: {
  store: AttachmentStore;
  nacl: SyncNacl;
  serverUrl: string;
  accessToken(): Promise<string>;
}) {
  const states = new BehaviorSubject<ReadonlyMap<string, DownloadState>>(new Map());
  const inFlight = new Map<string, { promise: Promise<Blob>; abort: AbortController }>();

  function setState(blobId: string, state: DownloadState | null) {
    const next = new Map(states.value);
    if (state === null) next.delete(blobId);
    else next.set(blobId, state);
    states.next(next);
  }

  async function fetchBlob(request: DownloadRequest, signal: AbortSignal): Promise<Blob> {
    const parts: BlobParts = [];
    let received = 0;
    let total = -1;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        const response = await fetch(
          `${deps.serverUrl}${ATTACHMENT_ROUTES.blobs}/${request.blobId}`,
          {
            headers: {
              authorization: `Bearer ${await deps.accessToken()}`,
              ...(received > 0 ? { range: `bytes=${received}-` } : {}),
            },
            signal,
          },
        );
        if (response.status === 404)
          throw new DownloadError('NOT_FOUND', 'the file is gone from the server');
        if (!response.ok) throw new Error(`status ${response.status}`);
        // A server that ignored the range sends everything again: start over.
        if (received > 0 && response.status === 200) {
          parts.length = 0;
          received = 0;
        }
        total = received + Number(response.headers.get('content-length') ?? 0);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value as Uint8Array<ArrayBuffer>);
          received += value.length;
          setState(request.blobId, { received, total, phase: 'downloading', error: null });
        }
        if (received >= total) return new Blob(parts);
      } catch (error) {
        if (signal.aborted || error instanceof DownloadError) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** attempt));
      }
    }
    throw new DownloadError('NETWORK', 'the download did not complete');
  }

  async function evictBeyond(limit: number) {
    const files = await deps.store.files.orderBy('usedAt').toArray();
    let used = files.reduce((sum, file) => sum + file.size, 0);
    for (const file of files) {
      if (used <= limit) break;
      await deps.store.files.delete(file.blobId);
      used -= file.size;
    }
  }

  async function download(request: DownloadRequest, signal: AbortSignal): Promise<Blob> {
    setState(request.blobId, { received: 0, total: 0, phase: 'downloading', error: null });
    const encrypted = await fetchBlob(request, signal);
    const file = await decryptBlob(deps.nacl, request, encrypted, request.mime);
    const limit = cacheLimitBytes();
    if (file.size <= limit) {
      await evictBeyond(limit - file.size);
      await deps.store.files.put({
        blobId: request.blobId,
        file,
        size: file.size,
        usedAt: Date.now(),
      });
    }
    setState(request.blobId, null);
    return file;
  }

  return {
    states: states.asObservable(),

    /** The decrypted file if this device keeps it. */
    async cached(blobId: string): Promise<Blob | null> {
      const hit = await deps.store.files.get(blobId);
      if (hit === undefined) return null;
      await deps.store.files.update(blobId, { usedAt: Date.now() });
      return hit.file;
    },

    /** The decrypted file: from the cache, or downloaded (one download per blob at a time). */
    async open(request: DownloadRequest): Promise<Blob> {
      const hit = await this.cached(request.blobId);
      if (hit !== null) return hit;
      const running = inFlight.get(request.blobId);
      if (running !== undefined) return running.promise;
      const abort = new AbortController();
      const promise = download(request, abort.signal)
        .catch((error: unknown) => {
          setState(
            request.blobId,
            abort.signal.aborted
              ? null
              : {
                  received: 0,
                  total: 0,
                  phase: 'failed',
                  error: String((error as Error).message ?? error),
                },
          );
          throw error;
        })
        .finally(() => inFlight.delete(request.blobId));
      inFlight.set(request.blobId, { promise, abort });
      return promise;
    },

    cancel(blobId: string): void {
      inFlight.get(blobId)?.abort.abort();
    },
  };
}

export type AttachmentDownloads = ReturnType<typeof createAttachmentDownloads>;
