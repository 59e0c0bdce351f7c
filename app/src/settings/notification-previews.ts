import { deviceStorage } from './device-storage.ts';

/** Whether notifications show the message text; off unless the person turns it on (per device). */
const KEY = 'anochat-notification-previews';

export function notificationPreviews(): boolean {
  return deviceStorage()?.getItem(KEY) === 'on';
}

export function setNotificationPreviews(on: boolean): void {
  deviceStorage()?.setItem(KEY, on ? 'on' : 'off');
}
