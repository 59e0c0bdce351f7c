import { describe, expect, it } from 'vitest';
import { snippetAround } from './conversation-list.ts';

describe('snippetAround', () => {
  it('returns a short text whole', () => {
    expect(snippetAround('Dinner at nine?', 'nine')).toBe('Dinner at nine?');
  });

  it('cuts a long text around the first match at word boundaries, with ellipses', () => {
    const text = `${'lorem ipsum '.repeat(10)}the hidden NEEDLE sits here ${'dolor sit '.repeat(10)}`;
    const snippet = snippetAround(text, 'needle', 20);
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet).toContain('NEEDLE');
    // No word cut in half at either end.
    const inner = snippet.slice(1, -1);
    expect(text).toContain(inner);
    expect(
      inner
        .split(' ')
        .every((word) =>
          ['lorem', 'ipsum', 'the', 'hidden', 'NEEDLE', 'sits', 'here', 'dolor', 'sit'].includes(
            word,
          ),
        ),
    ).toBe(true);
  });

  it('flattens line breaks and starts at the beginning when the match is there', () => {
    expect(snippetAround('needle\nin a\n\nhaystack', 'needle')).toBe('needle in a haystack');
  });

  it('shows the start when nothing matches (a file name matched instead)', () => {
    expect(snippetAround('x'.repeat(100), 'needle', 10)).toBe(`${'x'.repeat(20)}…`);
  });
});
