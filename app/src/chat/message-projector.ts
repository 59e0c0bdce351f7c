import { encodeBase64 } from '@anochat/protocol';
import type { AttachmentPayload, MessagePayload } from '@anochat/schemas/e2e/payload';
import type { RxChangeEvent } from 'rxdb';
import { bufferTime, concatMap, filter, merge, type Subscription } from 'rxjs';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase, MessageDoc, MessageViewDoc } from '../database/app-database.ts';
import { NO_EPOCH } from '../database/local-schemas.ts';

type StoredMessage = MessageDoc & { _deleted?: boolean; _rev?: string };

export function sortKeyOf(createdAt: string, id: string): string {
  return `${createdAt}|${id}`;
}

/** The same order reversed: printable ASCII mirrored (space <-> tilde), one character for one. */
export function newestFirstKeyOf(sortKey: string): string {
  let out = '';
  for (let i = 0; i < sortKey.length; i++) out += String.fromCharCode(158 - sortKey.charCodeAt(i));
  return out;
}

type Content = Pick<MessageViewDoc, 'kind' | 'text' | 'replyTo' | 'target' | 'emoji'> & {
  attachment?: NonNullable<MessageViewDoc['attachment']>;
};

function attachmentOf(payload: AttachmentPayload): NonNullable<MessageViewDoc['attachment']> {
  return {
    blobId: payload.blobId,
    fileName: payload.fileName,
    mime: payload.mime,
    size: payload.size,
    key: encodeBase64(payload.key),
    header: encodeBase64(payload.header),
    contentHash: encodeBase64(payload.contentHash),
    ...(payload.width === undefined || payload.height === undefined
      ? {}
      : { width: payload.width, height: payload.height }),
    ...(payload.durationMs === undefined ? {} : { durationMs: payload.durationMs }),
    ...(payload.preview === undefined ? {} : { preview: encodeBase64(payload.preview) }),
  };
}

function contentOf(payload: MessagePayload): Content {
  switch (payload.type) {
    case 'text':
      return {
        kind: 'text',
        text: payload.text,
        replyTo: payload.replyTo ?? null,
        target: null,
        emoji: null,
      };
    case 'reaction':
      return {
        kind: payload.on ? 'reaction' : 'deleted',
        text: '',
        replyTo: null,
        target: payload.messageId,
        emoji: payload.emoji,
      };
    case 'attachment':
      return {
        kind: 'text',
        text: payload.caption ?? '',
        replyTo: null,
        target: null,
        emoji: null,
        attachment: attachmentOf(payload),
      };
    default:
      // Edits and deletions travel as new envelopes of the message itself (docs/protocol.md);
      // a separate edit or deletion message from another client is shown as unsupported.
      return {
        kind: 'unreadable',
        text: `unsupported ${payload.type}`,
        replyTo: null,
        target: null,
        emoji: null,
      };
  }
}

/**
 * Keeps `messageViews` (plaintext, local only) in step with `messages` (ciphertext, replicated):
 * every written message is opened by crypto/ and its view upserted; a message that cannot be opened
 * yet (no key, sender not yet known) is shown as such and opened again when key envelopes,
 * members or devices change.
 */
export function startMessageProjector(
  database: AppDatabase,
  crypto: ClientCrypto,
  /** A message names a device this database does not know yet (say, a contact's new phone). */
  onUnknownSender: () => void,
) {
  const deviceOwners = new Map<string, string>();

  async function ownerOf(deviceId: string): Promise<string | null> {
    const known = deviceOwners.get(deviceId);
    if (known !== undefined) return known;
    const device = await database.devices.findOne(deviceId).exec();
    if (device !== null) deviceOwners.set(deviceId, device.userId);
    return device?.userId ?? null;
  }

  async function viewOf(message: StoredMessage): Promise<MessageViewDoc> {
    const createdAt = message.createdAt ?? new Date(0).toISOString();
    const base = {
      id: message.id,
      conversationId: message.conversationId,
      senderDeviceId: message.senderDeviceId,
      senderUserId: await ownerOf(message.senderDeviceId),
      sortKey: sortKeyOf(createdAt, message.id),
      newestFirstKey: newestFirstKeyOf(sortKeyOf(createdAt, message.id)),
      createdAt,
      editedAt: message.editedAt ?? null,
      synced: message.rev !== undefined,
      sourceRev: message._rev ?? '',
      epoch: NO_EPOCH,
      attachment: null,
    };
    if (message._deleted === true) {
      // A deleted reaction is a withdrawn reaction: keep its target so the view can skip it.
      const before = await database.messageViews.findOne(message.id).exec();
      const target = before?.kind === 'reaction' ? before.target : null;
      return { ...base, kind: 'deleted', text: '', replyTo: null, target, emoji: null };
    }
    const opened = await crypto.open(message);
    if (!opened.ok && opened.error.code === 'UNTRUSTED_DEVICE' && base.senderUserId === null) {
      onUnknownSender();
    }
    if (!opened.ok) {
      return {
        ...base,
        kind: 'unreadable',
        text: opened.error.code,
        replyTo: null,
        target: null,
        emoji: null,
      };
    }
    return {
      ...base,
      senderUserId: opened.message.senderUserId,
      epoch: opened.message.epoch,
      ...contentOf(opened.message.payload),
    };
  }

  async function project(messages: StoredMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const latest = new Map(messages.map((message) => [message.id, message]));
    const views: MessageViewDoc[] = [];
    for (const message of latest.values()) views.push(await viewOf(message));
    await database.messageViews.bulkUpsert(views);
  }

  /** Messages of these conversations whose view could not be opened: try again. */
  async function reopen(conversationIds: string[]): Promise<void> {
    crypto.invalidate(conversationIds);
    const stuck = await database.messageViews
      .find({ selector: { conversationId: { $in: conversationIds }, kind: 'unreadable' } })
      .exec();
    if (stuck.length === 0) return;
    const messages = await database.messages.findByIds(stuck.map((view) => view.id)).exec();
    await project([...messages.values()].map((doc) => doc.toMutableJSON(true) as StoredMessage));
  }

  /** After a restart: views missing or made from an older revision of their message. */
  async function catchUp(): Promise<void> {
    const messages = await database.messages.find().exec();
    const views = await database.messageViews.find().exec();
    const viewRevisions = new Map(views.map((view) => [view.id, view.sourceRev]));
    const live = new Set(messages.map((message) => message.id));
    await project(
      messages
        .filter((message) => viewRevisions.get(message.id) !== message.revision)
        .map((message) => message.toMutableJSON(true) as StoredMessage),
    );
    const orphaned = views.filter((view) => !live.has(view.id) && view.kind !== 'deleted');
    if (orphaned.length > 0) {
      await database.messageViews.bulkUpsert(
        orphaned.map((view) => ({ ...view.toMutableJSON(), kind: 'deleted' as const, text: '' })),
      );
    }
  }

  type Job =
    | { kind: 'messages'; events: RxChangeEvent<MessageDoc>[] }
    | { kind: 'reopen'; ids: string[] };

  // Batches of up to a few hundred rows: one IndexedDB transaction each, during an initial sync.
  const messageJobs = database.messages.$.pipe(
    bufferTime(100),
    filter((events) => events.length > 0),
  );
  const keyJobs = merge(database.keyEnvelopes.$, database.keyArchive.$, database.members.$).pipe(
    bufferTime(100),
    filter((events) => events.length > 0),
  );
  const deviceJobs = merge(database.devices.$, database.users.$).pipe(
    bufferTime(100),
    filter((events) => events.length > 0),
  );

  const subscription: Subscription = merge(
    messageJobs.pipe(concatMap(async (events): Promise<Job> => ({ kind: 'messages', events }))),
    keyJobs.pipe(
      concatMap(
        async (events): Promise<Job> => ({
          kind: 'reopen',
          ids: [
            ...new Set(
              events.map((event) =>
                String((event.documentData as { conversationId: string }).conversationId),
              ),
            ),
          ],
        }),
      ),
    ),
    deviceJobs.pipe(
      concatMap(async (): Promise<Job> => {
        deviceOwners.clear();
        const conversations = await database.conversations.find().exec();
        return { kind: 'reopen', ids: conversations.map((conversation) => conversation.id) };
      }),
    ),
  )
    .pipe(
      concatMap(async (job) => {
        try {
          if (job.kind === 'messages') {
            await project(job.events.map((event) => event.documentData as StoredMessage));
          } else await reopen(job.ids);
        } catch (error) {
          console.error('AnoChat: projecting messages failed', error);
        }
      }),
    )
    .subscribe();

  const ready = catchUp().catch((error: unknown) =>
    console.error('AnoChat: catching up message views failed', error),
  );

  return {
    ready,
    stop(): void {
      subscription.unsubscribe();
    },
  };
}
