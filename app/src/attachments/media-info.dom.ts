import { MAX_PREVIEW_BYTES } from '@anochat/schemas/e2e/limits';
import type { MediaInfo } from './media-info.ts';

const PREVIEW_SIDE = 96;
const QUALITIES = [0.7, 0.5, 0.35, 0.2];
const VIDEO_TIMEOUT_MS = 4000;

async function jpegOf(source: CanvasImageSource, width: number, height: number) {
  const scale = Math.min(1, PREVIEW_SIDE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext('2d')?.drawImage(source, 0, 0, canvas.width, canvas.height);
  for (const quality of QUALITIES) {
    const blob = await new Promise<Blob | null>((resolve) =>
      canvas.toBlob(resolve, 'image/jpeg', quality),
    );
    if (blob !== null && blob.size <= MAX_PREVIEW_BYTES)
      return new Uint8Array(await blob.arrayBuffer());
  }
  return undefined;
}

async function imageInfo(file: Blob): Promise<MediaInfo> {
  const bitmap = await createImageBitmap(file);
  try {
    const { width, height } = bitmap;
    const preview = await jpegOf(bitmap, width, height);
    return { width, height, ...(preview === undefined ? {} : { preview }) };
  } finally {
    bitmap.close();
  }
}

async function videoInfo(file: Blob): Promise<MediaInfo> {
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('video metadata timed out')),
        VIDEO_TIMEOUT_MS,
      );
      video.onloadeddata = () => {
        clearTimeout(timer);
        resolve();
      };
      video.onerror = () => {
        clearTimeout(timer);
        reject(new Error('not a playable video'));
      };
      video.src = url;
    });
    const { videoWidth: width, videoHeight: height } = video;
    const durationMs = Number.isFinite(video.duration)
      ? Math.round(video.duration * 1000)
      : undefined;
    const preview = width > 0 && height > 0 ? await jpegOf(video, width, height) : undefined;
    return {
      ...(width > 0 && height > 0 ? { width, height } : {}),
      ...(durationMs === undefined ? {} : { durationMs }),
      ...(preview === undefined ? {} : { preview }),
    };
  } finally {
    video.removeAttribute('src');
    URL.revokeObjectURL(url);
  }
}

/**
 * Dimensions, duration and a tiny preview of a picture or a video; nothing for other files, or
 * when the browser cannot decode it (the file is still sent, without a preview).
 */
export async function mediaInfoOf(file: Blob): Promise<MediaInfo> {
  try {
    if (file.type.startsWith('image/')) return await imageInfo(file);
    if (file.type.startsWith('video/')) return await videoInfo(file);
  } catch (error) {
    console.warn('AnoChat: no preview for this file', error);
  }
  return {};
}
