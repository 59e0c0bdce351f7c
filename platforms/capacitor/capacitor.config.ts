import type { CapacitorConfig } from '@capacitor/cli';

/**
 * The mobile app is the web app's Vite build (app/dist), copied into the Android and iOS projects
 * by `scripts/sync.sh`. It is served from the app itself (https://localhost on Android,
 * capacitor://localhost on iOS), never from a server: the server is chosen by the person.
 */
const config: CapacitorConfig = {
  appId: 'org.anochat.app',
  appName: 'AnoChat',
  webDir: '../../app/dist',
  loggingBehavior: 'production',
  android: {
    allowMixedContent: false,
    captureInput: true,
    webContentsDebuggingEnabled: false,
  },
  ios: {
    contentInset: 'never',
  },
  plugins: {
    SystemBars: { insetsHandling: 'css', initialViewportFitValueHint: 'cover' },
    LocalNotifications: { iconColor: '#3a5bd9' },
  },
};

export default config;
