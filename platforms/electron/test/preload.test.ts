/**
 * The preload, run under Node. Electron's binary cannot be downloaded on this machine, so
 * `electron` is a test double (support/electron-double.ts): its contextBridge records what the
 * preload exposes, and its ipcRenderer records the requests and plays the main process's events.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contextBridge, ipcRenderer } from './support/electron-double.ts';

await import('../src/bridge.preload.ts');

const CONVERSATION = '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

function bridge(): Record<string, unknown> {
  const exposed = contextBridge.exposed.get('anochatDesktop');
  assert.ok(exposed && typeof exposed === 'object');
  return exposed as Record<string, unknown>;
}

describe('the preload', () => {
  it('exposes one object of plain functions and nothing else of Electron or Node', () => {
    assert.deepEqual([...contextBridge.exposed.keys()], ['anochatDesktop']);
    assert.deepEqual(Object.keys(bridge()).sort(), [
      'chooseServer',
      'deleteSecret',
      'getSecret',
      'notify',
      'onNavigate',
      'onNotificationOpened',
      'onPower',
      'setBadge',
      'setSecret',
      'startup',
    ]);
    for (const [name, value] of Object.entries(bridge())) {
      assert.equal(typeof value, 'function', name);
    }
  });

  it('turns each call into one request on its channel, with the arguments as given', async () => {
    ipcRenderer.invoked.length = 0;
    ipcRenderer.answer = (channel) => ({ ok: channel });
    const api = bridge() as Record<string, (...args: unknown[]) => Promise<unknown>>;
    assert.deepEqual(await api.setSecret?.('device-secrets', 'sealed'), {
      ok: 'anochat:set-secret',
    });
    await api.notify?.({ conversationId: CONVERSATION, title: 'Alice', body: 'New message' });
    await api.setBadge?.(2);
    await api.chooseServer?.('https://chat.example.org');
    assert.deepEqual(ipcRenderer.invoked, [
      { channel: 'anochat:set-secret', args: ['device-secrets', 'sealed'] },
      {
        channel: 'anochat:notify',
        args: [{ conversationId: CONVERSATION, title: 'Alice', body: 'New message' }],
      },
      { channel: 'anochat:set-badge', args: [2] },
      { channel: 'anochat:choose-server', args: ['https://chat.example.org'] },
    ]);
  });

  it('hands listeners the event’s value only (never Electron’s event), until they unsubscribe', () => {
    const api = bridge() as Record<string, (listener: (...args: unknown[]) => void) => () => void>;
    const received: unknown[][] = [];
    const unsubscribe = api.onNotificationOpened?.((...args) => received.push(args));
    assert.ok(unsubscribe);
    const electronEvent = { sender: ipcRenderer, senderId: 0 };
    ipcRenderer.emit('anochat:notification-opened', electronEvent, CONVERSATION);
    unsubscribe();
    ipcRenderer.emit('anochat:notification-opened', electronEvent, CONVERSATION);
    assert.deepEqual(received, [[CONVERSATION]]);
    assert.equal(ipcRenderer.listenerCount('anochat:notification-opened'), 0);
    assert.throws(() => api.onNavigate?.('not a function' as never), TypeError);
  });
});
