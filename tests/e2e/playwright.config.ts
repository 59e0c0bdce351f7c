import { CHROMIUM_LAUNCH } from '@anochat/test-support/chromium';
import { defineConfig, devices } from '@playwright/test';

/** Debian's Chromium (never a downloaded browser), with the flags that keep it off the network. */
const launchOptions = CHROMIUM_LAUNCH;

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/e2e',
  globalSetup: './support/global-setup.ts',
  // Two shared cores: one test at a time, each with its own users.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'desktop',
      use: { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 800 }, launchOptions },
    },
    { name: 'pixel7', use: { ...devices['Pixel 7'], launchOptions } },
  ],
});
