// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { inviteLink, isInviteToken, pendingInvite } from './invites.ts';

// Canonical: the last of 43 characters carries 4 bits and 2 zero bits.
const TOKEN = `${'A-_'.padEnd(42, 'x')}A`;

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
    items,
  };
}

describe('invite links', () => {
  it('are the server’s /invite/<token> page', () => {
    expect(inviteLink('https://chat.example', TOKEN)).toBe(`https://chat.example/invite/${TOKEN}`);
    expect(inviteLink('https://chat.example/', TOKEN)).toBe(`https://chat.example/invite/${TOKEN}`);
  });

  it('carry exactly 43 base64url characters', () => {
    expect(isInviteToken(TOKEN)).toBe(true);
    expect(isInviteToken(TOKEN.slice(1))).toBe(false);
    expect(isInviteToken(`${TOKEN.slice(1)}+`)).toBe(false);
    expect(isInviteToken(`${TOKEN}=`)).toBe(false);
  });
});

describe('an invite opened while signed out', () => {
  it('waits through the login and is handed over once', () => {
    const storage = memoryStorage();
    const pending = pendingInvite(storage);
    expect(pending.take()).toBeNull();
    pending.remember(TOKEN);
    expect(pending.take()).toBe(TOKEN);
    expect(pending.take()).toBeNull();
  });

  it('is not kept when it is no token, nor handed over when the storage was tampered with', () => {
    const storage = memoryStorage();
    const pending = pendingInvite(storage);
    pending.remember('../settings');
    expect(storage.items.size).toBe(0);
    storage.setItem('anochat-pending-invite', 'javascript:alert(1)');
    expect(pending.take()).toBeNull();
    expect(storage.items.size).toBe(0);
  });
});
