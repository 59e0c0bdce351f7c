import { describe, expect, it } from 'vitest';
import { attachmentLabel } from '../conversations/conversation-list.ts';
import {
  autoDownload,
  downloadsAutomatically,
  SMALL_FILE_BYTES,
  setAutoDownload,
} from './attachment-settings.ts';

describe('automatic downloads of received files', () => {
  it('downloads small files only by default, so a metered link is not drained', () => {
    localStorage.clear();
    expect(autoDownload()).toBe('small');
    expect(downloadsAutomatically(SMALL_FILE_BYTES)).toBe(true);
    expect(downloadsAutomatically(SMALL_FILE_BYTES + 1)).toBe(false);
  });

  it('follows the setting: never, or always whatever the size', () => {
    setAutoDownload('never');
    expect(downloadsAutomatically(1)).toBe(false);
    setAutoDownload('always');
    expect(downloadsAutomatically(500 * 1024 * 1024)).toBe(true);
    localStorage.clear();
  });
});

describe('how the conversation list names an attachment', () => {
  it('says Photo or Video for pictures and videos, and the file name otherwise', () => {
    expect(attachmentLabel({ mime: 'image/jpeg', fileName: 'IMG_1.jpg' })).toBe('📷 Photo');
    expect(attachmentLabel({ mime: 'video/mp4', fileName: 'clip.mp4' })).toBe('🎬 Video');
    expect(attachmentLabel({ mime: 'application/pdf', fileName: 'minutes.pdf' })).toBe(
      '📎 minutes.pdf',
    );
  });
});
