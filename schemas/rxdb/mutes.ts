import { nullableIsoTime, pairId, rev, uuid } from './common.ts';

/**
 * A user's muted conversations; id is `<userId>|<conversationId>`. Replicated only to the muting
 * user's own devices and written only by them, so a mute set on one device holds on all of them.
 * Muting is creating the row (or undeleting it) with `until`: the end of the mute, or null for
 * "until unmuted"; changing `until` changes the mute; unmuting is `_deleted: true`. A mute whose
 * `until` has passed is over without any write. A muted conversation notifies nobody and is left
 * out of the unread count on the badge and in the title; it still counts in the conversation list.
 *
 * Mutes are metadata the server reads (it sends no Web Push for a muted conversation): they say
 * which conversations a person mutes and until when, never anything of the messages.
 */
export const mutesSchema = {
  title: 'mutes',
  version: 0,
  primaryKey: { key: 'id', fields: ['userId', 'conversationId'], separator: '|' },
  type: 'object',
  additionalProperties: false,
  properties: {
    id: pairId,
    userId: uuid,
    conversationId: uuid,
    until: nullableIsoTime,
    rev,
  },
  required: ['id', 'userId', 'conversationId', 'until'],
} as const;
