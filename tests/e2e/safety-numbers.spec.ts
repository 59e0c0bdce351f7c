import { randomBytes } from 'node:crypto';
import {
  aliceWritesToBob,
  asDishonestServer,
  backToList,
  expect,
  messageWithText,
  send,
  shown,
  test,
} from './support/app.ts';

test.describe('safety numbers', () => {
  test('a QR code of the number, and a notice in the chat and the safety view when the server swaps a key', async ({
    person,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(
      person,
      'Shall we compare numbers?',
    );
    await send(bob.page, 'Sure');
    await expect(messageWithText(alice.page, 'Sure')).toBeVisible();
    await expect(shown(alice.page, 'identity-changed')).toHaveCount(0);

    await backToList(alice.page);
    await shown(alice.page, 'open-settings').click();
    const toggle = alice.page
      .getByRole('button', { name: 'Show the QR code of your safety number with Bob' })
      .filter({ visible: true });
    await toggle.click();
    const qr = alice.page.getByRole('img', {
      name: 'QR code of your safety number with Bob: scan it with their phone to compare',
    });
    await expect(qr).toBeVisible();
    await expect(qr).toHaveAttribute('data-payload', /^anochat:safety:v1:\d{60}$/);
    // The image decoded: the SVG the qrcode module drew is a real picture.
    expect(await qr.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
    await expect(shown(alice.page, `identity-changed-${bob.userId}`)).toHaveCount(0);

    // The server starts publishing another identity key for Bob.
    await asDishonestServer('UPDATE users SET identity_public_key = $2 WHERE id = $1', [
      bob.userId,
      randomBytes(32),
    ]);
    await alice.page.reload();
    await expect(shown(alice.page, `identity-changed-${bob.userId}`)).toContainText(
      "Bob's identity key has changed",
    );
    await alice.page.goto(`/chats/${conversationId}`);
    await expect(shown(alice.page, 'identity-changed')).toContainText(
      "Bob's safety number has changed",
    );

    // Having compared, Alice accepts the new key: both notices go.
    await shown(alice.page, 'compare-safety').click();
    await expect(alice.page).toHaveURL(/\/settings$/);
    await shown(alice.page, `accept-key-${bob.userId}`).click();
    await expect(shown(alice.page, `identity-changed-${bob.userId}`)).toHaveCount(0);
    await alice.page.goto(`/chats/${conversationId}`);
    await expect(shown(alice.page, 'chat-title')).toHaveText('Bob');
    await expect(shown(alice.page, 'identity-changed')).toHaveCount(0);
  });
});
