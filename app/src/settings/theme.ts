/** Light, dark, or whatever the system prefers (the default); kept per browser. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'anochat-theme';

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
  prefersDark?.addEventListener?.('change', () => {
    if (themeChoice() === 'system') applyTheme('system');
  });
}
