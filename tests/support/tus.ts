import { ATTACHMENT_ROUTES } from '@anochat/schemas/api/attachments';

/**
 * The tus 1.0.0 requests an attachment upload makes, one by one, with fetch: tests choose exactly
 * where a transfer stops, which a full client library hides. The app's own client (tus-js-client)
 * speaks the same protocol.
 */

export interface TusAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function answer(response: Response): Promise<TusAnswer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // tus's own plain-text answers stay text
  }
  return { status: response.status, headers: response.headers, body };
}

const metadataHeader = (metadata: Record<string, string>) =>
  Object.entries(metadata)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');

export async function createUpload(
  baseUrl: string,
  token: string,
  length: number | string,
  metadata: Record<string, string>,
): Promise<TusAnswer & { uploadPath: string | null }> {
  const response = await fetch(`${baseUrl}${ATTACHMENT_ROUTES.uploads}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(length),
      'upload-metadata': metadataHeader(metadata),
    },
  });
  const location = response.headers.get('location');
  return { ...(await answer(response)), uploadPath: location };
}

export async function uploadOffset(
  baseUrl: string,
  token: string,
  uploadPath: string,
): Promise<TusAnswer & { offset: number | null }> {
  const response = await fetch(`${baseUrl}${uploadPath}`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' },
  });
  const offset = response.headers.get('upload-offset');
  return { ...(await answer(response)), offset: offset === null ? null : Number(offset) };
}

export async function patchUpload(
  baseUrl: string,
  token: string,
  uploadPath: string,
  offset: number,
  bytes: Uint8Array,
): Promise<TusAnswer & { offset: number | null }> {
  const response = await fetch(`${baseUrl}${uploadPath}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${token}`,
      'tus-resumable': '1.0.0',
      'upload-offset': String(offset),
      'content-type': 'application/offset+octet-stream',
    },
    body: new Blob([new Uint8Array(bytes)]),
  });
  const newOffset = response.headers.get('upload-offset');
  return { ...(await answer(response)), offset: newOffset === null ? null : Number(newOffset) };
}

export async function download(
  baseUrl: string,
  token: string,
  blobId: string,
  range?: string,
): Promise<{ status: number; headers: Headers; bytes: Uint8Array; body: unknown }> {
  const response = await fetch(`${baseUrl}${ATTACHMENT_ROUTES.blobs}/${blobId}`, {
    headers: { authorization: `Bearer ${token}`, ...(range === undefined ? {} : { range }) },
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  let body: unknown = null;
  if (response.headers.get('content-type')?.startsWith('application/json'))
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  return { status: response.status, headers: response.headers, bytes, body };
}

export const blobIdOf = (uploadPath: string) => uploadPath.split('/').pop() as string;
