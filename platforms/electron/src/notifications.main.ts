import type { MessageNotice } from '@anochat/schemas/platform/message-notice';
import { Notification } from 'electron';

/**
 * Native notifications for new messages. One per conversation: a newer message replaces the
 * conversation's earlier notification. What they say was decided by the renderer (the sender and
 * "New message", the text only if the person allowed it); clicking one opens the conversation.
 */
export function createDesktopNotifier(options: { onOpened(conversationId: string): void }) {
  // Electron drops a notification's click handler once nothing references it.
  const shown = new Map<string, Notification>();

  return {
    show(notice: MessageNotice): void {
      if (!Notification.isSupported()) return;
      shown.get(notice.conversationId)?.close();
      const notification = new Notification({ title: notice.title, body: notice.body });
      notification.on('click', () => {
        shown.delete(notice.conversationId);
        options.onOpened(notice.conversationId);
      });
      notification.on('close', () => {
        if (shown.get(notice.conversationId) === notification) shown.delete(notice.conversationId);
      });
      shown.set(notice.conversationId, notification);
      notification.show();
    },
  };
}
