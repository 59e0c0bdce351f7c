import { pino } from 'pino';
import { serializeError } from './error-serializer.ts';

export type Logger = pino.Logger;

/**
 * JSON logs. Redaction is a safety net: the code never passes secrets to the logger, but if a body
 * or header slips in, passwords, tokens and ciphertext are still censored. Errors (`err`) are
 * reduced to codes and names (error-serializer.ts): a database error never brings a row along.
 */
export function createLogger(
  level: pino.LevelWithSilent,
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: 'sync-server' },
      serializers: { err: serializeError },
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
