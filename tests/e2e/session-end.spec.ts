import { readFile } from 'node:fs/promises';
import type { AppContext } from '../../app/src/app-context.ts';
import {
  aliceWritesToBob,
  backToList,
  confirmStep,
  expect,
  login,
  messageWithText,
  send,
  shown,
  shownTexts,
  test,
} from './support/app.ts';

test.describe('the end of a session', () => {
  test('a device revoked while it holds an unsent message shows it and deletes nothing until asked', async ({
    person,
    freshPage,
  }) => {
    const { alice, bob } = await aliceWritesToBob(person, 'before the revocation');
    const phone = await freshPage();
    await login(phone.page, { username: alice.username, password: alice.password });
    await expect(phone.page).toHaveURL(/\/chats$/);

    // The laptop writes while it has no network: the message stays on the laptop.
    await alice.context.setOffline(true);
    await expect(alice.page.getByTestId('connection-banner')).toHaveAttribute(
      'data-state',
      'offline',
    );
    await send(alice.page, 'written on the lost laptop');
    await expect(messageWithText(alice.page, 'written on the lost laptop')).toHaveAttribute(
      'data-status',
      'pending',
    );

    // Alice revokes the laptop from her phone; the laptop learns it when it is back online.
    await shown(phone.page, 'open-settings').click();
    const laptop = shown(phone.page, 'device-list').getByRole('button', { name: /^Revoke / });
    await laptop.click();
    await confirmStep(phone.page);
    await expect(laptop).toHaveCount(0);
    // The revoked laptop is kept apart, behind a disclosure, below the working devices.
    await expect(shown(phone.page, 'revoked-devices')).toContainText('Revoked devices (1)');
    await expect(shown(phone.page, 'device-list').locator('ion-item').first()).toContainText(
      '(this device)',
    );
    await alice.context.setOffline(false);

    await expect(alice.page).toHaveURL(/\/session-ended$/);
    await expect(shown(alice.page, 'unsent-count')).toContainText('1 message was not sent');
    await expect(shown(alice.page, 'unsent-messages')).toContainText('written on the lost laptop');
    // A reload changes nothing: the message is still kept, the login still waits.
    await alice.page.reload();
    await expect(alice.page).toHaveURL(/\/session-ended$/);
    await expect(shown(alice.page, 'unsent-messages')).toContainText('written on the lost laptop');
    const kept = await alice.page.evaluate(() =>
      (globalThis as unknown as { anochat: AppContext }).anochat.database.messages.count().exec(),
    );
    expect(kept).toBe(2);

    const download = alice.page.waitForEvent('download');
    await shown(alice.page, 'save-unsent').click();
    expect((await download).suggestedFilename()).toMatch(/^anochat-unsent-.*\.txt$/);
    await shown(alice.page, 'discard-unsent').click();
    await shown(alice.page, 'confirm-discard').click();
    await expect(alice.page).toHaveURL(/\/login$/);
    await expect(shown(alice.page, 'submit')).toBeVisible();
    const left = await alice.page.evaluate(() =>
      (globalThis as unknown as { anochat: AppContext }).anochat.database.messages.count().exec(),
    );
    expect(left).toBe(0);
    // Nobody received what never reached the server.
    expect(await shownTexts(bob.page)).toEqual(['before the revocation']);
  });

  test('a file still waiting to be sent at a logout is counted before, kept after, saved on request and deleted only when asked', async ({
    person,
  }) => {
    const { alice, bob } = await aliceWritesToBob(person, 'a file follows');
    await alice.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // Chosen offline: the file waits, encrypted, in the attachment outbox.
    await alice.context.setOffline(true);
    await expect(alice.page.getByTestId('connection-banner')).toHaveAttribute(
      'data-state',
      'offline',
    );
    const chooser = alice.page.waitForEvent('filechooser');
    await shown(alice.page, 'attach').click();
    await (await chooser).setFiles([
      { name: 'plans.txt', mimeType: 'text/plain', buffer: Buffer.from('the plans for Saturday') },
    ]);
    await expect(
      alice.page.locator('[data-role="upload"]').filter({ visible: true }),
    ).toHaveAttribute('data-phase', 'waiting');

    // The logout's confirmation says what was not sent.
    await backToList(alice.page);
    await shown(alice.page, 'open-settings').click();
    await shown(alice.page, 'logout').click();
    await expect(alice.page.locator('ion-alert')).toContainText('1 file was not sent yet');
    await confirmStep(alice.page);

    await expect(alice.page).toHaveURL(/\/session-ended$/);
    await expect(shown(alice.page, 'unsent-count')).toContainText('1 file was not sent');
    await expect(shown(alice.page, 'unsent-files')).toContainText('plans.txt');
    await alice.page.reload();
    await expect(shown(alice.page, 'unsent-files')).toContainText('plans.txt');

    // Saved as it was chosen (the outbox holds it encrypted, with its key).
    const download = alice.page.waitForEvent('download');
    await shown(alice.page, 'save-unsent-file').click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe('plans.txt');
    const path = await saved.path();
    expect(await readFile(path, 'utf8')).toBe('the plans for Saturday');

    await shown(alice.page, 'discard-unsent').click();
    await expect(shown(alice.page, 'confirm-discard')).toBeVisible();
    await expect(alice.page.getByRole('alert')).toContainText('1 file never sent');
    await shown(alice.page, 'confirm-discard').click();
    await expect(alice.page).toHaveURL(/\/login$/);
    const stores = await alice.page.evaluate(async () =>
      (await indexedDB.databases()).map((database) => database.name),
    );
    expect(stores).not.toContain('anochat-attachments');
    expect(await shownTexts(bob.page)).toEqual(['a file follows']);
  });
});
