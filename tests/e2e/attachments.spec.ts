import type { Page } from '@playwright/test';
import pg from 'pg';
import { startFaultProxy } from '../chaos/fault-proxy.ts';
import { createPrng } from '../chaos/prng.ts';
import {
  acceptRequest,
  aliceWritesToBob,
  backToList,
  expect,
  ownUserId,
  type Person,
  register,
  send,
  serverUrl,
  shown,
  startDirectChat,
  test,
  uniqueUsername,
} from './support/app.ts';
import { drawnPicture } from './support/media.ts';

/**
 * Attachments end to end in Chromium, at both viewports: the real app encrypts with the WebAssembly
 * secretstream, uploads with tus to the real server, the receiver sees the preview from the sealed
 * message and downloads and decrypts the file when asked.
 */

/** A short WebM video recorded from a canvas by the browser (MediaRecorder). */
async function recordedVideo(page: Page): Promise<Buffer> {
  const base64 = await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 160;
    canvas.height = 120;
    const context = canvas.getContext('2d') as CanvasRenderingContext2D;
    const stream = canvas.captureStream(15);
    const recorder = new MediaRecorder(stream, { mimeType: 'video/webm' });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (event) => chunks.push(event.data);
    const stopped = new Promise((resolve) => {
      recorder.onstop = resolve;
    });
    recorder.start(100);
    for (let frame = 0; frame < 20; frame++) {
      context.fillStyle = `hsl(${frame * 18} 70% 50%)`;
      context.fillRect(0, 0, 160, 120);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    recorder.stop();
    await stopped;
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let text = '';
    for (const byte of bytes) text += String.fromCharCode(byte);
    return btoa(text);
  });
  return Buffer.from(base64, 'base64');
}

/** The person taps the attach button and chooses these files in the platform's file chooser. */
async function attach(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const chooser = page.waitForEvent('filechooser');
  await shown(page, 'attach').click();
  await (await chooser).setFiles(files);
}

function attachmentMessages(page: Page) {
  return page
    .locator('[data-role="message"]')
    .filter({ visible: true, has: page.locator('[data-role="attachment"]') });
}

async function neverAutoDownload(person: Person): Promise<void> {
  await person.page.evaluate(() => localStorage.setItem('anochat-auto-download', 'never'));
}

async function blobRowsOf(userId: string): Promise<number> {
  const client = new pg.Client({ connectionString: process.env.ANOCHAT_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM attachment_blobs WHERE user_id = $1',
      [userId],
    );
    return rows[0]?.n ?? -1;
  } finally {
    await client.end();
  }
}

test.describe('attachments', () => {
  test('a photo shows as a preview on the other screen at once and opens in full on tap', async ({
    person,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(person, 'a photo for you');
    await neverAutoDownload(bob);
    const picture = await drawnPicture(alice.page, 640, 480);
    await shown(alice.page, 'composer').fill('the view from here');
    await attach(alice.page, [{ name: 'view.png', mimeType: 'image/png', buffer: picture }]);

    const received = attachmentMessages(bob.page);
    await expect(received).toHaveCount(1);
    // The preview travels in the sealed message: shown before any download.
    await expect(received.locator('[data-role="attachment-preview"]')).toBeVisible();
    await expect(received.locator('[data-role="text"]')).toHaveText('the view from here');
    await expect(received.locator('[data-role="attachment"]')).toHaveAttribute(
      'data-downloaded',
      'false',
    );

    await received.locator('[data-role="attachment-open"]').click();
    const viewer = shown(bob.page, 'image-viewer').or(
      bob.page.locator('[data-role="image-viewer"]'),
    );
    await expect(viewer.first()).toBeVisible();
    const full = bob.page.locator('[data-role="image-viewer"] img');
    await expect.poll(() => full.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
    await bob.page.locator('[data-role="image-viewer"]').click();
    await expect(bob.page.locator('[data-role="image-viewer"]')).toHaveCount(0);

    // The conversation list names it "Photo".
    await backToList(bob.page);
    await expect(shown(bob.page, `conversation-${conversationId}`)).toContainText('Photo');
  });

  test('a file and a video are sent together and received: the file saves, the video plays', async ({
    person,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(person, 'two things');
    await neverAutoDownload(bob);
    const document = Buffer.from(`minutes of the meeting\n${'x'.repeat(200_000)}\n`);
    const video = await recordedVideo(alice.page);
    await attach(alice.page, [
      { name: 'minutes.txt', mimeType: 'text/plain', buffer: document },
      { name: 'clip.webm', mimeType: 'video/webm', buffer: video },
    ]);

    const received = attachmentMessages(bob.page);
    await expect(received).toHaveCount(2);
    const file = received.filter({ has: bob.page.locator('[data-kind="file"]') });
    await expect(file.locator('[data-role="attachment-name"]')).toHaveText('minutes.txt');
    const saving = bob.page.waitForEvent('download');
    await file.locator('[data-role="attachment-open"]').click();
    const download = await saving;
    expect(download.suggestedFilename()).toBe('minutes.txt');
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(document)).toBe(true);

    const clip = received.filter({ has: bob.page.locator('[data-kind="video"]') });
    await clip.locator('[data-role="attachment-open"]').click();
    const player = clip.locator('[data-role="attachment-video"]');
    await expect(player).toBeVisible();
    await expect
      .poll(() => player.evaluate((element: HTMLVideoElement) => element.readyState))
      .toBeGreaterThanOrEqual(1);

    // Each file is a message of its own, in the order they were chosen, whichever upload ended
    // first; the list names the newest, the video. Local search finds a file by its name.
    await expect(received.first().locator('[data-role="attachment"]')).toHaveAttribute(
      'data-kind',
      'file',
    );
    await backToList(bob.page);
    await expect(shown(bob.page, `conversation-${conversationId}`)).toContainText('🎬 Video');
    await shown(bob.page, 'search').locator('input').fill('minutes.txt');
    await expect(shown(bob.page, `conversation-${conversationId}`)).toBeVisible();
    await shown(bob.page, 'search').locator('input').fill('no-such-file.pdf');
    await expect(shown(bob.page, `conversation-${conversationId}`)).toHaveCount(0);
  });

  test('a file chosen offline waits, survives a reload while offline, and is delivered once', async ({
    person,
  }) => {
    const { alice, bob } = await aliceWritesToBob(person, 'sending when I can');
    await alice.page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await alice.context.setOffline(true);
    await expect(alice.page.getByTestId('connection-banner')).toHaveAttribute(
      'data-state',
      'offline',
    );
    const notes = Buffer.from(`notes written on the train ${'n'.repeat(300_000)}`);
    await attach(alice.page, [{ name: 'notes.txt', mimeType: 'text/plain', buffer: notes }]);
    const upload = alice.page.locator('[data-role="upload"]').filter({ visible: true });
    await expect(upload).toHaveAttribute('data-phase', 'waiting');

    await alice.page.reload();
    await expect(
      alice.page.locator('[data-role="upload"]').filter({ visible: true }),
    ).toHaveAttribute('data-phase', 'waiting');
    expect(await attachmentMessages(bob.page).count()).toBe(0);

    await alice.context.setOffline(false);
    await expect(attachmentMessages(bob.page)).toHaveCount(1);
    await expect(alice.page.locator('[data-role="upload"]').filter({ visible: true })).toHaveCount(
      0,
    );
    await expect(attachmentMessages(alice.page)).toHaveCount(1);
    // Settled: still one message and one blob.
    await bob.page.reload();
    await expect(attachmentMessages(bob.page)).toHaveCount(1);
    expect(await blobRowsOf(alice.userId)).toBe(1);
  });

  test('an upload cut by a reload resumes from the offset the server acknowledged, not from zero', async ({
    person,
    browser,
    viewport,
    isMobile,
    hasTouch,
  }) => {
    // Alice's page is served through a userspace proxy whose bandwidth the test sets, so the
    // reload lands while the server holds part of the blob (Chromium's own throttling only delays
    // what the page sees, not what reaches the server).
    const proxy = await startFaultProxy({
      target: () => Number(new URL(serverUrl()).port),
      prng: createPrng(7),
    });
    try {
      const context = await browser.newContext({
        baseURL: proxy.url,
        viewport,
        isMobile,
        hasTouch,
      });
      const page = await context.newPage();
      const username = uniqueUsername('Alice');
      await register(page, { username, password: `pw-${username}`, displayName: 'Alice' });
      const aliceId = await ownUserId(page);
      const bob = await person('Bob');
      const conversationId = await startDirectChat(page, bob);
      await send(page, 'a long upload');
      await acceptRequest(bob.page, conversationId);

      proxy.setLink({ bytesPerSecond: 600_000 });
      const big = Buffer.alloc(6 * 1024 * 1024, 3);
      await attach(page, [{ name: 'dump.bin', mimeType: 'application/octet-stream', buffer: big }]);
      const progress = page
        .locator('[data-role="upload"]')
        .filter({ visible: true })
        .locator('[data-role="upload-progress"]');
      await expect
        .poll(() => progress.evaluate((bar: HTMLProgressElement) => bar.value), { timeout: 30_000 })
        .toBeGreaterThanOrEqual(30);

      const offsets: number[] = [];
      page.on('request', (request) => {
        if (request.method() === 'PATCH') offsets.push(Number(request.headers()['upload-offset']));
      });
      await page.reload();
      proxy.setLink({ bytesPerSecond: 0 });
      await expect(attachmentMessages(bob.page)).toHaveCount(1);
      // The first PATCH after the reload starts where the server stopped, well past zero.
      expect(offsets[0]).toBeGreaterThan(0);
      expect(offsets[0]).toBeLessThan(big.length + 17 * 96);
      expect(await blobRowsOf(aliceId)).toBe(1);
      await context.close();
    } finally {
      await proxy.close();
    }
  });

  test('upload progress shows while sending, and cancel stops it and removes it from the server', async ({
    person,
  }) => {
    const { alice, bob } = await aliceWritesToBob(person, 'a big one');
    // A slow uplink (Chromium's network emulation applies to the upload's requests).
    const cdp = await alice.context.newCDPSession(alice.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 50,
      downloadThroughput: 1_000_000,
      uploadThroughput: 400_000,
    });
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    await attach(alice.page, [
      { name: 'archive.bin', mimeType: 'application/octet-stream', buffer: big },
    ]);
    const upload = alice.page.locator('[data-role="upload"]').filter({ visible: true });
    await expect(upload).toHaveAttribute('data-phase', 'uploading');
    const progress = upload.locator('[data-role="upload-progress"]');
    await expect
      .poll(() => progress.evaluate((bar: HTMLProgressElement) => bar.value))
      .toBeGreaterThan(0);
    expect(await blobRowsOf(alice.userId)).toBe(1);

    await upload.locator('[data-role="upload-cancel"]').click();
    await expect(upload).toHaveCount(0);
    await expect.poll(() => blobRowsOf(alice.userId)).toBe(0);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    expect(await attachmentMessages(bob.page).count()).toBe(0);
    expect(await attachmentMessages(alice.page).count()).toBe(0);
  });
});
