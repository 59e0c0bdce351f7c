import { ref } from 'vue';
import type { Account } from '../../account.ts';
import {
  dismissNotificationOffer,
  notificationOfferDismissed,
} from '../../notifications/notification-offer.ts';
import type { Notifier } from '../../platform/platform.ts';

// One state for every list on screen (Ionic keeps earlier pages mounted): an answer hides them all.
const permission = ref<ReturnType<Notifier['permission']> | null>(null);
const dismissed = ref(notificationOfferDismissed());

/** The notification offer's state, shared by every conversation list mounted. */
export function useNotificationOffer(
  notifier: Notifier,
  account: Pick<Account, 'allowNotifications'>,
) {
  permission.value ??= notifier.permission();
  return {
    permission,
    dismissed,
    async turnOn(): Promise<void> {
      permission.value = await account.allowNotifications();
    },
    notNow(): void {
      dismissNotificationOffer();
      dismissed.value = true;
    },
  };
}
