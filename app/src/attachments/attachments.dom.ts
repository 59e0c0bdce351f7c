import { openAttachmentStore } from './attachment-store.ts';
import { type AttachmentServices, startAttachments } from './attachments.ts';
import { mediaInfoOf } from './media-info.dom.ts';

/** The browser's attachments: files kept in IndexedDB, pictures measured with a canvas. */
export function startBrowserAttachments(deps: AttachmentServices) {
  return startAttachments(deps, { store: openAttachmentStore(), mediaInfo: mediaInfoOf });
}
