import { mkdirSync, writeFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import {
  backToList,
  confirmStep,
  expect,
  login,
  messageWithText,
  pickPerson,
  send,
  shown,
  test,
} from './support/app.ts';

const THEMES = ['light', 'dark'] as const;

/** One rule axe found broken on one screen. */
interface Finding {
  screen: string;
  theme: (typeof THEMES)[number];
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/**
 * Each screen in both themes: a screenshot kept as an attachment (and under
 * test-results/e2e/screenshots/), and an axe scan against WCAG 2.1 A and AA whose findings are
 * collected, so that one run reports every screen before the test fails on the serious ones.
 */
class Screens {
  readonly findings: Finding[] = [];

  constructor(private readonly testInfo: TestInfo) {}

  /** `scope`: a selector to scan alone, when the rest of the page was scanned as another screen. */
  async look(page: Page, screen: string, scope?: string): Promise<void> {
    const folder = `${this.testInfo.project.outputDir}/screenshots`;
    mkdirSync(folder, { recursive: true });
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      const html = page.locator('html');
      if (theme === 'dark') await expect(html).toHaveClass(/ion-palette-dark/);
      else await expect(html).not.toHaveClass(/ion-palette-dark/);
      // Ionic animates page changes and the palette switch: the picture is taken once all settled.
      await page.evaluate(
        () =>
          new Promise((resolve) =>
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(null))),
          ),
      );
      await page.waitForTimeout(300);
      const name = `${this.testInfo.project.name}-${screen}-${theme}`;
      const path = `${folder}/${name}.png`;
      await page.screenshot({ path, fullPage: false });
      await this.testInfo.attach(name, { path, contentType: 'image/png' });
      const builder = new AxeBuilder({ page }).withTags([
        'wcag2a',
        'wcag2aa',
        'wcag21a',
        'wcag21aa',
      ]);
      const result = await (scope === undefined ? builder : builder.include(scope)).analyze();
      for (const violation of result.violations) {
        this.findings.push({
          screen,
          theme,
          rule: violation.id,
          impact: violation.impact ?? 'unknown',
          help: violation.help,
          targets: violation.nodes.map((node) => node.target.join(' ')),
        });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    this.save();
  }

  private save(): void {
    const path = `${this.testInfo.project.outputDir}/screenshots/${this.testInfo.project.name}-axe.json`;
    writeFileSync(path, JSON.stringify(this.findings, null, 2));
  }

  /** Every finding as JSON next to the screenshots, and the serious ones, which fail the test. */
  async report(): Promise<Finding[]> {
    this.save();
    const path = `${this.testInfo.project.outputDir}/screenshots/${this.testInfo.project.name}-axe.json`;
    await this.testInfo.attach(`axe (${this.testInfo.project.name})`, {
      path,
      contentType: 'application/json',
    });
    const counts = new Map<string, number>();
    for (const finding of this.findings) {
      counts.set(finding.impact, (counts.get(finding.impact) ?? 0) + finding.targets.length);
    }
    console.log(
      `axe (${this.testInfo.project.name}): ${[...counts].map(([impact, count]) => `${impact} ${count}`).join(', ') || 'no violations'}`,
    );
    return this.findings.filter(
      (finding) => finding.impact === 'serious' || finding.impact === 'critical',
    );
  }
}

test('every screen in light and dark, each scanned by axe', async ({
  person,
  freshPage,
}, testInfo) => {
  // Some twenty screens, each photographed and scanned twice, with three people: about 3 minutes.
  test.setTimeout(600_000);
  const screens = new Screens(testInfo);

  const visitor = await freshPage();
  await visitor.page.goto('/login');
  await expect(shown(visitor.page, 'submit')).toBeVisible();
  await screens.look(visitor.page, 'login');
  await shown(visitor.page, 'mode-register').click();
  await expect(shown(visitor.page, 'password-confirmation')).toBeVisible();
  await screens.look(visitor.page, 'register');
  await shown(visitor.page, 'mode-login').click();
  await shown(visitor.page, 'forgot-password').click();
  await expect(shown(visitor.page, 'recovery-key-input')).toBeVisible();
  await screens.look(visitor.page, 'forgot-password');
  // The packaged apps start here; on the web it only says which server the page came from.
  await visitor.page.goto('/server');
  await expect(visitor.page.getByText('always uses the server it was opened from')).toBeVisible();
  await screens.look(visitor.page, 'server-choice');

  const alice = await person('Alice');
  await expect(shown(alice.page, 'open-settings')).toBeVisible();
  await screens.look(alice.page, 'conversation-list-empty');

  const bob = await person('Bob');
  const carol = await person('Carol');
  await shown(alice.page, 'new-chat').click();
  await expect(shown(alice.page, 'contact-search')).toBeVisible();
  await screens.look(alice.page, 'new-chat');
  await pickPerson(alice.page, bob);
  await expect(alice.page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
  const direct = alice.page.url().split('/').pop() ?? '';
  await expect(shown(alice.page, 'composer')).toBeEnabled();
  await screens.look(alice.page, 'chat-new');

  await send(alice.page, 'Are we still on for the hike on Saturday?');
  await shown(bob.page, 'message-requests').click();
  await expect(shown(bob.page, `accept-${direct}`)).toBeVisible();
  await screens.look(bob.page, 'requests');
  await shown(bob.page, `accept-${direct}`).click();
  await expect(bob.page).toHaveURL(new RegExp(`/chats/${direct}$`));
  await send(bob.page, 'Yes! I will bring snacks.\nAnd the map.');
  await expect(messageWithText(alice.page, 'I will bring snacks')).toBeVisible();
  await send(alice.page, 'Perfect, see you at 8');
  await expect(messageWithText(alice.page, 'Perfect, see you at 8')).toHaveAttribute(
    'data-status',
    'read',
  );
  await screens.look(alice.page, 'chat-direct');
  await shown(alice.page, 'chat-info').click();
  await expect(alice.page).toHaveURL(/\/info$/);
  await screens.look(alice.page, 'chat-info');
  await alice.page.goBack();

  await backToList(alice.page);
  await shown(alice.page, 'new-group').click();
  await shown(alice.page, 'group-title').locator('input').fill('Hiking club');
  for (const member of [bob, carol]) await pickPerson(alice.page, member);
  await expect(shown(alice.page, `chosen-${carol.username}`)).toBeVisible();
  await screens.look(alice.page, 'new-group');
  await shown(alice.page, 'create-group').click();
  await expect(alice.page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
  await send(alice.page, 'Welcome to the hiking club 🥾');
  await expect(messageWithText(alice.page, 'Welcome to the hiking club')).toHaveAttribute(
    'data-status',
    /sent|delivered|read/,
  );
  await screens.look(alice.page, 'chat-group');
  await shown(alice.page, 'chat-info').click();
  await expect(shown(alice.page, `member-row-${carol.username}`)).toBeVisible();
  await screens.look(alice.page, 'group-info');
  await alice.page.goBack();

  await backToList(alice.page);
  await expect(shown(alice.page, `conversation-${direct}`)).toBeVisible();
  await screens.look(alice.page, 'conversation-list');

  // A second device of Alice, for the device list and, once revoked with an unsent message, the
  // screen of a session that ended.
  const phone = await freshPage();
  await login(phone.page, { username: alice.username, password: alice.password });
  await expect(phone.page).toHaveURL(/\/chats$/);
  await phone.page.goto(`/chats/${direct}`);
  await expect(messageWithText(phone.page, 'Perfect, see you at 8')).toBeVisible();
  await phone.context.setOffline(true);
  await expect(phone.page.getByTestId('connection-banner')).toHaveAttribute(
    'data-state',
    'offline',
  );
  await send(phone.page, 'written on the lost phone');

  await shown(alice.page, 'open-settings').click();
  const revoke = shown(alice.page, 'device-list').getByRole('button', { name: /^Revoke / });
  await revoke.click();
  await confirmStep(alice.page);
  await expect(shown(alice.page, 'revoked-devices')).toContainText('Revoked devices (1)');
  await screens.look(alice.page, 'settings');
  await alice.page
    .getByRole('button', { name: 'Show the QR code of your safety number with Bob' })
    .filter({ visible: true })
    .click();
  const qr = alice.page.getByRole('img', { name: /^QR code of your safety number with Bob/ });
  await qr.scrollIntoViewIfNeeded();
  await expect(qr).toBeVisible();
  // The rest of Settings was scanned just above.
  await screens.look(alice.page, 'safety-numbers', '[data-testid="safety-numbers"]');

  // A recovery key made in Settings, shown once.
  await shown(alice.page, 'recovery-password').locator('input').fill(alice.password);
  await shown(alice.page, 'make-recovery-key').click();
  await expect(shown(alice.page, 'recovery-key')).toBeVisible();
  await screens.look(alice.page, 'recovery-key', '[data-testid="recovery-key-panel"]');
  await shown(alice.page, 'recovery-key-kept').click();
  await shown(alice.page, 'recovery-key-done').click();

  await phone.context.setOffline(false);
  await expect(phone.page).toHaveURL(/\/session-ended$/);
  await expect(shown(phone.page, 'unsent-messages')).toContainText('written on the lost phone');
  await screens.look(phone.page, 'session-ended');

  await alice.page.goto('/chats/00000000-0000-4000-8000-000000000000');
  await expect(shown(alice.page, 'conversation-not-found')).toBeVisible();
  await screens.look(alice.page, 'not-found');

  expect(await screens.report()).toEqual([]);
});
