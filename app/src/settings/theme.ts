/** Light, dark, or whatever the system prefers (the default); kept per browser. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'anochat-theme';

/** The phone's system bars, which follow the theme (a no-op in browsers and on the desktop). */
let systemBars: { match(theme: 'light' | 'dark'): void } | null = null;

/** The system's preference is listened to once per page, however often the theme is applied. */
let followingSystem = false;

export function themeSystemBars(bars: { match(theme: 'light' | 'dark'): void }): void {
  systemBars = bars;
}

export function themeChoice(): ThemeChoice {
  const stored = globalThis.localStorage?.getItem(KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

/** Ionic's dark palette is switched by the `ion-palette-dark` class on <html>. */
export function applyTheme(choice: ThemeChoice = themeChoice()): void {
  localStorage.setItem(KEY, choice);
  const prefersDark = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
  const dark = choice === 'dark' || (choice === 'system' && prefersDark?.matches === true);
  document.documentElement.classList.toggle('ion-palette-dark', dark);
  systemBars?.match(dark ? 'dark' : 'light');
  if (prefersDark && !followingSystem) {
    followingSystem = true;
    prefersDark.addEventListener?.('change', () => {
      if (themeChoice() === 'system') applyTheme('system');
    });
  }
}
