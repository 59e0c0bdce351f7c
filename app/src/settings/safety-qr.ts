/** Medium error correction: still scans from a scratched or glaring phone screen. */
export const SAFETY_QR_ERROR_CORRECTION = 'M';
/** Quiet zone in modules around the code, as the QR standard asks (4 is its minimum for print). */
export const SAFETY_QR_MARGIN = 4;

/**
 * The QR code of a safety number's `qrPayload`, as SVG markup. `qrcode` is imported on first use,
 * so it stays out of the bundle every start loads.
 */
export async function safetyQrSvg(payload: string): Promise<string> {
  const qrcode = await import('qrcode');
  return qrcode.toString(payload, {
    type: 'svg',
    errorCorrectionLevel: SAFETY_QR_ERROR_CORRECTION,
    margin: SAFETY_QR_MARGIN,
  });
}

/** An `<img>` source for SVG markup (an image has an `alt`; inline markup would need v-html). */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
