import type { AttachmentPayload, MessagePayload } from '@anochat/schemas/e2e/payload';
import type { EpochRotation } from '../conversations/epoch-rotation.ts';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase } from '../database/app-database.ts';

export class ChatError extends Error {
  override readonly name = 'ChatError';
  constructor(
    readonly code: 'NO_KEY' | 'NOT_FOUND' | 'EMPTY',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Everything a person does to messages, as local writes: the UI shows them at once (pending) and
 * replication delivers them. Sealing happens here, through crypto/, after starting a new epoch if
 * one is due (the message itself is sealed under the current key until the server stores the new
 * one's envelopes).
 */
export function createChatActions(
  database: AppDatabase,
  crypto: ClientCrypto,
  deviceId: string,
  rotation: EpochRotation,
) {
  async function sealed(conversationId: string, id: string, payload: MessagePayload) {
    await rotation.rotateIfDue(conversationId).catch((error: unknown) => {
      // Sending goes on under the current epoch; the next message tries again.
      console.error('AnoChat: starting a new epoch failed', error);
    });
    const envelope = await crypto.seal(conversationId, id, payload);
    if (envelope === null) {
      throw new ChatError('NO_KEY', 'the conversation key has not arrived on this device yet');
    }
    return envelope;
  }

  async function insert(
    conversationId: string,
    payload: MessagePayload,
    id = crypto.randomId(),
  ): Promise<string> {
    await database.messages.insert({
      id,
      conversationId,
      senderDeviceId: deviceId,
      envelope: await sealed(conversationId, id, payload),
      // The server replaces it with its own time; until then it orders the pending message.
      createdAt: new Date().toISOString(),
      editedAt: null,
    });
    return id;
  }

  return {
    async send(conversationId: string, text: string, replyTo?: string): Promise<string> {
      if (text.trim() === '') throw new ChatError('EMPTY', 'nothing to send');
      return insert(conversationId, {
        type: 'text',
        text,
        ...(replyTo === undefined ? {} : { replyTo }),
      });
    },

    /**
     * The message of an uploaded attachment, under the id reserved when the file was chosen; a
     * second call (a crash after the first) finds it and writes nothing: sent once.
     */
    async sendAttachment(
      conversationId: string,
      messageId: string,
      payload: AttachmentPayload,
    ): Promise<void> {
      if ((await database.messages.findOne(messageId).exec()) !== null) return;
      await insert(conversationId, payload, messageId);
    },

    /** A new envelope for the same message: the server records `editedAt`. */
    async edit(messageId: string, text: string): Promise<void> {
      const message = await database.messages.findOne(messageId).exec();
      if (message === null) throw new ChatError('NOT_FOUND', 'no such message');
      const view = await database.messageViews.findOne(messageId).exec();
      await message.incrementalPatch({
        envelope: await sealed(message.conversationId, messageId, {
          type: 'text',
          text,
          ...(view?.replyTo ? { replyTo: view.replyTo } : {}),
        }),
      });
    },

    /** Delete for everyone: the server keeps a tombstone without the envelope. */
    async remove(messageId: string): Promise<void> {
      const message = await database.messages.findOne(messageId).exec();
      await message?.remove();
    },

    async react(conversationId: string, target: string, emoji: string): Promise<void> {
      const own = await database.messageViews
        .find({
          selector: { conversationId, kind: 'reaction', target, emoji, senderDeviceId: deviceId },
        })
        .exec();
      if (own.length > 0) {
        // Withdrawing: delete the reaction message(s) of this device.
        for (const view of own) await (await database.messages.findOne(view.id).exec())?.remove();
        return;
      }
      await insert(conversationId, { type: 'reaction', messageId: target, emoji, on: true });
    },

    /**
     * A refused message is sent again as a new message (the refused id stays refused on the
     * server), and the refused one is discarded.
     */
    async retry(messageId: string): Promise<void> {
      const view = await database.messageViews.findOne(messageId).exec();
      if (view === null || view.kind !== 'text')
        throw new ChatError('NOT_FOUND', 'nothing to retry');
      await insert(view.conversationId, {
        type: 'text',
        text: view.text,
        ...(view.replyTo ? { replyTo: view.replyTo } : {}),
      });
      await this.discard(messageId);
    },

    /** Drops a refused message from this device (the server never stored it). */
    async discard(messageId: string): Promise<void> {
      await (await database.messages.findOne(messageId).exec())?.remove();
      await (await database.failures.findOne(`messages/${messageId}`).exec())?.remove();
    },
  };
}

export type ChatActions = ReturnType<typeof createChatActions>;
