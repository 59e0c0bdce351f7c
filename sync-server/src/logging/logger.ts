import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs. Redaction is a safety net: the code never passes secrets to the logger, but if a body
 * or header slips in, passwords, tokens and ciphertext are still censored.
 */
export function createLogger(
  level: pino.LevelWithSilent,
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: 'sync-server' },
      redact: {
        paths: [
          'authSecret',
          '*.authSecret',
          'accessToken',
          '*.accessToken',
          'refreshToken',
          '*.refreshToken',
          'envelope',
          '*.envelope',
          'req.headers.authorization',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
