import { create } from 'qrcode';
import { describe, expect, it } from 'vitest';
import {
  SAFETY_QR_ERROR_CORRECTION,
  SAFETY_QR_MARGIN,
  safetyQrSvg,
  svgDataUrl,
} from './safety-qr.ts';

/**
 * The dark modules an SVG from `safetyQrSvg` draws, read back from its path: `M x y` starts a row
 * (y is the row's centre line), `m dx 0` skips light modules, `h n` draws n dark ones.
 */
function drawnModules(svg: string): { size: number; dark: boolean[] } {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  const path = /<path stroke="[^"]+" d="([^"]*)"/.exec(svg);
  if (viewBox === null || path === null) throw new Error(`not a qrcode SVG: ${svg.slice(0, 80)}`);
  const size = Number(viewBox[1]) - 2 * SAFETY_QR_MARGIN;
  const dark = new Array<boolean>(size * size).fill(false);
  let x = 0;
  let row = 0;
  for (const [, command, a, b] of (path[1] ?? '').matchAll(/([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?/g)) {
    if (command === 'M') {
      x = Number(a) - SAFETY_QR_MARGIN;
      row = Number(b) - 0.5 - SAFETY_QR_MARGIN;
    } else if (command === 'm') {
      x += Number(a);
    } else {
      for (let i = 0; i < Number(a); i += 1) dark[row * size + x + i] = true;
      x += Number(a);
    }
  }
  return { size, dark };
}

function expectedModules(payload: string): { size: number; dark: boolean[] } {
  const { modules } = create(payload, { errorCorrectionLevel: SAFETY_QR_ERROR_CORRECTION });
  return { size: modules.size, dark: Array.from(modules.data, (bit) => bit === 1) };
}

const PAYLOAD = `anochat:safety:v1:${'0123456789'.repeat(6)}`;

describe('the safety number QR code', () => {
  it('draws exactly the modules of the QR code of the payload', async () => {
    const svg = await safetyQrSvg(PAYLOAD);
    const drawn = drawnModules(svg);
    const expected = expectedModules(PAYLOAD);
    expect(drawn.size).toBe(expected.size);
    expect(drawn.dark).toEqual(expected.dark);
    expect(drawn.dark.filter(Boolean).length).toBeGreaterThan(expected.size * 4);
  });

  it('draws another code for another safety number', async () => {
    const other = PAYLOAD.replace(/0123456789$/, '0123456780');
    const drawn = drawnModules(await safetyQrSvg(other));
    expect(drawn.dark).toEqual(expectedModules(other).dark);
    expect(drawn.dark).not.toEqual(expectedModules(PAYLOAD).dark);
  });

  it('makes an image source of the SVG', async () => {
    const svg = await safetyQrSvg(PAYLOAD);
    const url = svgDataUrl(svg);
    expect(url.startsWith('data:image/svg+xml;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent(url.slice(url.indexOf(',') + 1))).toBe(svg);
  });
});
