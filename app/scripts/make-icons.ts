/**
 * Draws the app icons (public/icons/*.png) without any image library: a blue square with a white
 * speech bubble, rasterised with 4x4 supersampling and written as PNG with node:zlib. Run once
 * (`node --import tsx app/scripts/make-icons.ts`); the output is committed.
 */
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Coverage of the white bubble at (x, y) in a unit square; `inset` shrinks it for maskable icons. */
function insideBubble(x: number, y: number, inset: number): boolean {
  const scale = 1 - 2 * inset;
  const u = (x - inset) / scale;
  const v = (y - inset) / scale;
  const dx = (u - 0.5) / 0.3;
  const dy = (v - 0.46) / 0.24;
  if (dx * dx + dy * dy <= 1) return true;
  // The tail: a triangle below the left of the bubble.
  return v >= 0.6 && v <= 0.8 && u >= 0.3 && u <= 0.45 && u - 0.3 <= (0.8 - v) * 0.75;
}

function icon(size: number, maskable: boolean): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const radius = maskable ? 0 : 0.2;
  const inset = maskable ? 0.12 : 0;
  for (let py = 0; py < size; py++) {
    raw[py * (size * 4 + 1)] = 0;
    for (let px = 0; px < size; px++) {
      let white = 0;
      let covered = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const x = (px + (sx + 0.5) / 4) / size;
          const y = (py + (sy + 0.5) / 4) / size;
          const cx = Math.max(radius - x, 0, x - (1 - radius));
          const cy = Math.max(radius - y, 0, y - (1 - radius));
          if (cx * cx + cy * cy > radius * radius) continue;
          covered++;
          if (insideBubble(x, y, inset)) white++;
        }
      }
      const offset = py * (size * 4 + 1) + 1 + px * 4;
      const w = white / 16;
      raw[offset] = Math.round(58 + (255 - 58) * (w / Math.max(covered / 16, 1e-9)));
      raw[offset + 1] = Math.round(91 + (255 - 91) * (w / Math.max(covered / 16, 1e-9)));
      raw[offset + 2] = Math.round(217 + (255 - 217) * (w / Math.max(covered / 16, 1e-9)));
      raw[offset + 3] = Math.round((covered / 16) * 255);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;
  header[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

const folder = new URL('../public/icons/', import.meta.url);
writeFileSync(new URL('icon-192.png', folder), icon(192, false));
writeFileSync(new URL('icon-512.png', folder), icon(512, false));
writeFileSync(new URL('icon-512-maskable.png', folder), icon(512, true));
writeFileSync(new URL('apple-touch-icon.png', folder), icon(180, true));
