/** Whether notifications show the message text; off unless the person turns it on (per device). */
const KEY = 'anochat-notification-previews';

export function notificationPreviews(): boolean {
  return globalThis.localStorage?.getItem(KEY) === 'on';
}

export function setNotificationPreviews(on: boolean): void {
  localStorage.setItem(KEY, on ? 'on' : 'off');
}
