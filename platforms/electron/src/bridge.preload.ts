import {
  DESKTOP_BRIDGE_GLOBAL,
  DESKTOP_EVENTS,
  DESKTOP_REQUESTS,
  type DesktopBridge,
  type Unlisten,
} from '@anochat/schemas/platform/desktop-bridge';
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';

/**
 * Subscribes a page's listener to one main-process event. The page gets the event's one value,
 * never Electron's event object (whose `sender` is the ipcRenderer itself), and a function that
 * unsubscribes.
 */
function subscribe<T>(channel: string, listener: (value: T) => void): Unlisten {
  if (typeof listener !== 'function') throw new TypeError('listener must be a function');
  const relay = (_event: IpcRendererEvent, value: T) => listener(value);
  ipcRenderer.on(channel, relay);
  return () => {
    ipcRenderer.removeListener(channel, relay);
  };
}

/**
 * The whole of what the desktop shell gives the web app: a handful of functions, each one IPC
 * request or one subscription. The main process checks the sender and the arguments of each.
 */
export const desktopBridge: DesktopBridge = {
  startup: () => ipcRenderer.invoke(DESKTOP_REQUESTS.startup),
  chooseServer: (url) => ipcRenderer.invoke(DESKTOP_REQUESTS.chooseServer, url),
  getSecret: (name) => ipcRenderer.invoke(DESKTOP_REQUESTS.getSecret, name),
  setSecret: (name, value) => ipcRenderer.invoke(DESKTOP_REQUESTS.setSecret, name, value),
  deleteSecret: (name) => ipcRenderer.invoke(DESKTOP_REQUESTS.deleteSecret, name),
  notify: (notice) => ipcRenderer.invoke(DESKTOP_REQUESTS.notify, notice),
  setBadge: (count) => ipcRenderer.invoke(DESKTOP_REQUESTS.setBadge, count),
  onNotificationOpened: (listener) => subscribe(DESKTOP_EVENTS.notificationOpened, listener),
  onNavigate: (listener) => subscribe(DESKTOP_EVENTS.navigate, listener),
  onPower: (listener) => subscribe(DESKTOP_EVENTS.power, listener),
};

contextBridge.exposeInMainWorld(DESKTOP_BRIDGE_GLOBAL, desktopBridge);
