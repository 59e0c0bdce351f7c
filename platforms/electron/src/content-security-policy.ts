/**
 * The Content-Security-Policy of every page the desktop app serves from its own scheme: its own
 * scripts and the WebAssembly crypto module only, no inline or remote script, no plugins, no
 * frames; network access to the app itself and to the chosen sync server (HTTP for the API,
 * WebSocket for sync), nothing else. Ionic sets inline styles, so styles allow 'unsafe-inline'.
 * No 'unsafe-eval': the app validates its documents with an interpreting JSON-schema validator
 * (app/src/database/schema-validation.ts), the same bundle the web server serves without it.
 */
export function contentSecurityPolicy(serverOrigin: string | null): string {
  const server =
    serverOrigin === null ? [] : [serverOrigin, serverOrigin.replace(/^http(s?):/, 'ws$1:')];
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'", "'wasm-unsafe-eval'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", ...server],
    'media-src': ["'self'", 'blob:'],
    'worker-src': ["'self'"],
    'manifest-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
