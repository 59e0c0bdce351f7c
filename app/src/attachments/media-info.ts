/** What the descriptor says about a picture or a video, besides the bytes. */
export interface MediaInfo {
  width?: number;
  height?: number;
  durationMs?: number;
  /** A JPEG of at most 96 pixels a side and MAX_PREVIEW_BYTES (made by media-info.dom.ts). */
  preview?: Uint8Array;
}
