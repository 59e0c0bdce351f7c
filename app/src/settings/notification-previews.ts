/** Whether notifications show the message text; off unless the person turns it on (per device). */
const KEY = 'anochat-notification-previews';

/** The browser's storage where there is one (the account code also runs in Node, without it). */
const storage = () =>
  (
    globalThis as {
      localStorage?: {
        getItem(key: string): string | null;
        setItem(key: string, value: string): void;
      };
    }
  ).localStorage;

export function notificationPreviews(): boolean {
  return storage()?.getItem(KEY) === 'on';
}

export function setNotificationPreviews(on: boolean): void {
  storage()?.setItem(KEY, on ? 'on' : 'off');
}
