/**
 * The part of `qrcode` the app uses, in place of @types/qrcode for the browser program
 * (app/tsconfig.json maps `qrcode` here): those typings reference Node's (`toFile`, streams), which
 * would give every browser file Node's globals. The tests (app/tsconfig.test.json) use the real ones.
 */
export interface QRCodeToStringOptions {
  type: 'svg';
  errorCorrectionLevel: 'L' | 'M' | 'Q' | 'H';
  margin: number;
}

// biome-ignore lint/suspicious/noShadowRestrictedNames: the name qrcode exports
export function toString(text: string, options: QRCodeToStringOptions): Promise<string>;
