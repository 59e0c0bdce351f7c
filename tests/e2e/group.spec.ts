import type { Page } from '@playwright/test';
import type { AppContext } from '../../app/src/app-context.ts';
import {
  acceptRequest,
  asDishonestServer,
  backToList,
  confirmStep,
  createGroup,
  expect,
  login,
  messageWithText,
  openConversation,
  send,
  shown,
  shownTexts,
  test,
} from './support/app.ts';

test.describe('groups', () => {
  test('a group of three; the admin removes one, who no longer receives and whose offline message is refused', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const carol = await person('Carol');

    const groupId = await createGroup(alice.page, 'Weekend trip', [bob, carol]);
    await expect(shown(alice.page, 'chat-title')).toHaveText('Weekend trip');
    await send(alice.page, 'Who is in for Saturday?');

    for (const member of [bob, carol]) {
      // Alice is a stranger to both: her group is an invitation until they accept it.
      await acceptRequest(member.page, groupId);
      await expect(shown(member.page, 'chat-title')).toHaveText('Weekend trip');
      await backToList(member.page);
      await expect(shown(member.page, `conversation-${groupId}`)).toContainText('Weekend trip');
      await openConversation(member.page, groupId);
      const message = messageWithText(member.page, 'Who is in for Saturday?');
      await expect(message).toBeVisible();
      await expect(message.locator('[data-role="sender"]')).toHaveText('Alice');
    }
    await send(carol.page, 'Me!');
    await expect(messageWithText(bob.page, 'Me!')).toBeVisible();
    await expect(messageWithText(alice.page, 'Me!')).toBeVisible();

    // Carol loses her signal; meanwhile Alice removes her from the group.
    await carol.context.setOffline(true);
    await shown(alice.page, 'chat-info').click();
    await expect(shown(alice.page, `member-row-${carol.username}`)).toBeVisible();
    await shown(alice.page, `remove-${carol.username}`).click();
    await expect(shown(alice.page, `member-row-${carol.username}`)).toHaveCount(0);
    await alice.page.goBack();
    await send(alice.page, 'Plan for the two of us');
    await expect(messageWithText(bob.page, 'Plan for the two of us')).toBeVisible();

    // Carol, still offline and unaware, writes; when she reconnects the server refuses it, and she
    // sees why instead of losing it silently.
    await send(carol.page, 'Shall I bring the tent?');
    await expect(messageWithText(carol.page, 'Shall I bring the tent?')).toHaveAttribute(
      'data-status',
      'pending',
    );
    await carol.context.setOffline(false);
    const refused = messageWithText(carol.page, 'Shall I bring the tent?');
    await expect(refused).toHaveAttribute('data-status', 'failed');
    await expect(refused.locator('[data-role="failure"]')).toContainText('NOT_MEMBER');
    await expect(shown(carol.page, 'composer')).toBeDisabled();
    // What was said after her removal never reaches her.
    expect(await shownTexts(carol.page)).not.toContain('Plan for the two of us');
    await refused.locator('[data-role="discard"]').click();
    await expect(messageWithText(carol.page, 'Shall I bring the tent?')).toHaveCount(0);
    expect(await shownTexts(bob.page)).not.toContain('Shall I bring the tent?');
  });

  test('an admin renames the group and makes a member admin; the others see both live, and only admins get the controls', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const carol = await person('Carol');
    const groupId = await createGroup(alice.page, 'Book club', [bob, carol]);
    await send(alice.page, 'First meeting on Monday');

    for (const member of [bob, carol]) {
      await acceptRequest(member.page, groupId);
      await expect(shown(member.page, 'chat-title')).toHaveText('Book club');
      await expect(messageWithText(member.page, 'First meeting on Monday')).toBeVisible();
      await shown(member.page, 'chat-info').click();
      await expect(shown(member.page, `role-${bob.username}`)).toHaveText('member');
      // Plain members get no rename or role controls.
      await expect(shown(member.page, 'rename-form')).toHaveCount(0);
      await expect(shown(member.page, `promote-${carol.username}`)).toHaveCount(0);
    }

    await shown(alice.page, 'chat-info').click();
    const titleField = shown(alice.page, 'group-title-input').locator('input');
    await expect(titleField).toHaveValue('Book club');
    await titleField.fill('Book club: autumn');
    await shown(alice.page, 'rename-group').click();
    await alice.page
      .getByRole('button', { name: 'Make Bob an admin' })
      .filter({ visible: true })
      .click();
    await expect(shown(alice.page, `role-${bob.username}`)).toHaveText('admin');

    // Bob, looking at the group's info, sees his new role, the new title and his new controls.
    await expect(shown(bob.page, `role-${bob.username}`)).toHaveText('admin');
    await expect(bob.page.locator('ion-title').filter({ visible: true })).toHaveText(
      'Book club: autumn',
    );
    await expect(shown(bob.page, 'rename-form')).toBeVisible();
    await expect(shown(bob.page, `promote-${carol.username}`)).toBeVisible();
    // Carol sees them too, and still has no controls.
    await expect(shown(carol.page, `role-${bob.username}`)).toHaveText('admin');
    await expect(carol.page.locator('ion-title').filter({ visible: true })).toHaveText(
      'Book club: autumn',
    );
    await expect(shown(carol.page, 'rename-form')).toHaveCount(0);
    await carol.page.goBack();
    await expect(shown(carol.page, 'chat-title')).toHaveText('Book club: autumn');

    // The title is sealed: the server holds no plaintext of it.
    const stored = await alice.page.evaluate(async (id) => {
      const { database } = (globalThis as unknown as { anochat: AppContext }).anochat;
      return (await database.conversations.findOne(id).exec())?.titleCiphertext ?? '';
    }, groupId);
    expect(stored).not.toContain('autumn');
    expect(atob(stored)).not.toContain('autumn');
  });

  test('a member logs out and logs in again: everyone, the person’s new device included, still sees the group’s name', async ({
    person,
    freshPage,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const carol = await person('Carol');
    // Alice's device seals the title.
    const groupId = await createGroup(alice.page, 'Climbing club', [bob, carol]);
    await send(alice.page, 'Welcome to the club');
    for (const member of [bob, carol]) {
      await acceptRequest(member.page, groupId);
      await expect(shown(member.page, 'chat-title')).toHaveText('Climbing club');
      await expect(messageWithText(member.page, 'Welcome to the club')).toBeVisible();
    }

    // Logging out revokes that device.
    const sealingDevice = await alice.page.evaluate(
      () => (globalThis as unknown as { anochat: AppContext }).anochat.account.value?.deviceId,
    );
    await backToList(alice.page);
    await shown(alice.page, 'open-settings').click();
    await shown(alice.page, 'logout').click();
    await confirmStep(alice.page);
    await expect(alice.page).toHaveURL(/\/login$/);

    for (const member of [bob, carol]) {
      // Once the revocation is on the member's device, the title is opened again from scratch.
      await expect
        .poll(() =>
          member.page.evaluate(async (id) => {
            const { database } = (globalThis as unknown as { anochat: AppContext }).anochat;
            return (await database.devices.findOne(id ?? '').exec())?.revokedAt ?? null;
          }, sealingDevice),
        )
        .not.toBeNull();
      await member.page.reload();
      await expect(shown(member.page, 'chat-title')).toHaveText('Climbing club');
      await backToList(member.page);
      await expect(shown(member.page, `conversation-${groupId}`)).toContainText('Climbing club');
    }

    // Alice logs in again: her new device reads the name (and the history) too.
    const again = await freshPage();
    await login(again.page, { username: alice.username, password: alice.password });
    await expect(again.page).toHaveURL(/\/chats$/);
    await expect(shown(again.page, `conversation-${groupId}`)).toContainText('Climbing club');
    await openConversation(again.page, groupId);
    await expect(shown(again.page, 'chat-title')).toHaveText('Climbing club');
    await expect(messageWithText(again.page, 'Welcome to the club')).toBeVisible();
  });

  test('a member leaves after confirming; the group leaves their list and stays behind "conversations you left"', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const groupId = await createGroup(alice.page, 'Book club', [bob]);
    await send(alice.page, 'Chapter three by Friday');
    await acceptRequest(bob.page, groupId);
    await expect(messageWithText(bob.page, 'Chapter three by Friday')).toBeVisible();

    await shown(bob.page, 'chat-info').click();
    await shown(bob.page, 'leave-group').click();
    await bob.page.getByTestId('confirm-cancel').click();
    await expect(shown(bob.page, 'leave-group')).toBeVisible();
    await shown(bob.page, 'leave-group').click();
    await confirmStep(bob.page);
    await expect(bob.page).toHaveURL(/\/chats$/);
    await expect(bob.page.getByTestId(`conversation-${groupId}`)).toHaveCount(0);
    await shown(bob.page, 'toggle-left-conversations').click();
    await expect(shown(bob.page, `conversation-${groupId}`)).toContainText('Book club');
  });

  test('the timeline tells who created the group, added whom, the new name, who is gone and a changed safety number', async ({
    person,
  }) => {
    test.slow();
    const alice = await person('Alice');
    const bob = await person('Bob');
    const carol = await person('Carol');
    const groupId = await createGroup(alice.page, 'Climbing', [bob, carol]);
    await send(alice.page, 'Hello climbers');
    await acceptRequest(bob.page, groupId);
    await expect(messageWithText(bob.page, 'Hello climbers')).toBeVisible();

    const lines = (page: Page) =>
      page.locator('[data-role="system-line"]').filter({ visible: true });
    // Derived from the conversation's creator, the epoch-0 key's start, the memberships' inviter
    // and the title's titleChangedAt.
    await expect(lines(bob.page)).toHaveText([
      'Alice created the group',
      'Alice added You',
      'Alice added Carol',
      'The group was named “Climbing”',
    ]);
    await expect(lines(alice.page)).toHaveText([
      'You created the group',
      'You added Bob',
      'You added Carol',
      'The group was named “Climbing”',
    ]);

    // A rename is a line at its own time (titleChangedAt: the latest name only).
    await shown(alice.page, 'chat-info').click();
    await shown(alice.page, 'group-title-input').locator('input').fill('Bouldering');
    await shown(alice.page, 'rename-group').click();
    // Carol is removed (the server does not record whether she left or was removed).
    await shown(alice.page, `remove-${carol.username}`).click();
    await expect(shown(alice.page, `member-row-${carol.username}`)).toHaveCount(0);
    await alice.page.goBack();
    await send(alice.page, 'Just us two');
    await expect(messageWithText(bob.page, 'Just us two')).toBeVisible();
    await expect(lines(bob.page)).toHaveText([
      'Alice created the group',
      'Alice added You',
      'Alice added Carol',
      'The group was named “Bouldering”',
      'Carol left or was removed',
    ]);
    // In time order: both lines sit between the first message and the last.
    const order = await bob.page
      .locator('[data-role="system-line"], [data-role="message"] [data-role="text"]')
      .filter({ visible: true })
      .allTextContents();
    const at = (text: string) => order.findIndex((shownText) => shownText.includes(text));
    expect(at('Hello climbers')).toBeLessThan(at('named “Bouldering”'));
    expect(at('Carol left or was removed')).toBeLessThan(at('Just us two'));

    // A lying server publishes another identity key for Alice: Bob's timeline says so at the end.
    await asDishonestServer('UPDATE users SET identity_public_key = $1 WHERE id = $2', [
      Buffer.alloc(32, 7),
      alice.userId,
    ]);
    await bob.page.reload();
    await expect(lines(bob.page).last()).toHaveText(
      'Alice’s safety number changed. Compare it again before you trust this conversation.',
    );
  });
});
