import { z } from 'zod';

/**
 * What a new-message notification may carry: the conversation it opens, the sender (or group) as
 * its title, and a generic line ("New message") unless the person allowed message previews.
 */
export const messageNotice = z.strictObject({
  conversationId: z.uuid(),
  title: z.string().min(1).max(200),
  body: z.string().max(1000),
});

export type MessageNotice = z.infer<typeof messageNotice>;

/** The unread count on a badge (the dock, the taskbar, the launcher icon); 0 clears it. */
export const badgeCount = z.number().int().min(0).max(1_000_000);
