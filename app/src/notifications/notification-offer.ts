import { map, type Observable } from 'rxjs';
import type { AppDatabase } from '../database/app-database.ts';
import { deviceStorage } from '../settings/device-storage.ts';

/**
 * When the app offers to turn notifications on. Never on first load (a browser that is asked before
 * the person has done anything tends to be told "block", for good): the offer shows in the
 * conversation list once the person has sent a message, while the browser has not been asked, and
 * until they take it or say "Not now" (remembered on this device). Settings always has the switch.
 */
const DISMISSED_KEY = 'anochat-notification-offer-dismissed';

export function notificationOfferDismissed(): boolean {
  return deviceStorage()?.getItem(DISMISSED_KEY) === 'yes';
}

export function dismissNotificationOffer(): void {
  deviceStorage()?.setItem(DISMISSED_KEY, 'yes');
}

/** Whether any message of the person (from any of their devices) is on this device. */
export function hasSentMessage$(database: AppDatabase, selfUserId: string): Observable<boolean> {
  return database.messageViews
    .findOne({ selector: { senderUserId: selfUserId } })
    .$.pipe(map((view) => view !== null));
}
