import type { Page } from '@playwright/test';

/** A picture drawn by the browser itself (no image files in the repository). */
export async function drawnPicture(page: Page, width: number, height: number): Promise<Buffer> {
  const base64 = await page.evaluate(
    async ([w, h]) => {
      const canvas = document.createElement('canvas');
      canvas.width = w as number;
      canvas.height = h as number;
      const context = canvas.getContext('2d') as CanvasRenderingContext2D;
      const gradient = context.createLinearGradient(0, 0, w as number, h as number);
      gradient.addColorStop(0, '#0a7');
      gradient.addColorStop(1, '#fc3');
      context.fillStyle = gradient;
      context.fillRect(0, 0, w as number, h as number);
      // Noise, so the PNG is not trivially small.
      for (let i = 0; i < 4000; i++) {
        context.fillStyle = `hsl(${(i * 37) % 360} 80% 50%)`;
        context.fillRect((i * 7919) % (w as number), (i * 104729) % (h as number), 3, 3);
      }
      const blob = await new Promise<Blob>((resolve) =>
        canvas.toBlob((made) => resolve(made as Blob), 'image/png'),
      );
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let text = '';
      for (const byte of bytes) text += String.fromCharCode(byte);
      return btoa(text);
    },
    [width, height],
  );
  return Buffer.from(base64, 'base64');
}
