import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyTheme } from './theme.ts';

/** The system's colour-scheme query, switchable from the test like a person's OS setting. */
function systemScheme(initiallyDark: boolean) {
  const query = Object.assign(new EventTarget(), { matches: initiallyDark, media: '' });
  const listen = vi.spyOn(query, 'addEventListener');
  vi.stubGlobal('matchMedia', () => query);
  return {
    listen,
    switchTo(dark: boolean) {
      query.matches = dark;
      query.dispatchEvent(new Event('change'));
    },
  };
}

const isDark = () => document.documentElement.classList.contains('ion-palette-dark');

describe('the theme', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    localStorage.clear();
  });

  it('follows the system through many switches with one listener (each switch once doubled them until the page froze)', () => {
    const system = systemScheme(false);
    applyTheme('system');
    applyTheme('dark');
    applyTheme('system');
    expect(isDark()).toBe(false);
    for (let i = 0; i < 12; i += 1) {
      system.switchTo(i % 2 === 0);
      expect(isDark()).toBe(i % 2 === 0);
    }
    expect(system.listen).toHaveBeenCalledTimes(1);
  });

  it('a chosen theme stays whatever the system switches to, and is kept for the next load', () => {
    const system = systemScheme(false);
    applyTheme('dark');
    system.switchTo(false);
    expect(isDark()).toBe(true);
    expect(localStorage.getItem('anochat-theme')).toBe('dark');
    applyTheme('light');
    system.switchTo(true);
    expect(isDark()).toBe(false);
  });
});
