import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger } from 'pino';

/**
 * JSON logs (one object per line) on stdout. Request lines carry the request id, method, route
 * pattern (never the query string: it may hold patient identifiers), status and duration.
 * Bodies, tokens and patient data are never logged.
 *
 * `buffered` writes asynchronously (the server's hot path must not block on stdout) but at once:
 * each line is handed to the OS as soon as the previous write completes, lines that arrive
 * meanwhile go out together in the next write. So `docker logs` does not lag and a SIGKILL loses
 * at most the lines of one in-flight write (a 4 KB minimum chunk used to hold lines until
 * shutdown). Call `flushLogger` before exiting.
 */
export function createLogger(level: LogLevel, options: { buffered?: boolean } = {}): Logger {
  if (level === 'silent') return pino({ level: 'silent' });
  const destination = options.buffered ? pino.destination({ dest: 1, sync: false, minLength: 0 }) : pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level,
      base: { service: 'telefhir' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // defence in depth: should anything ever pass headers, never print credentials
      redact: { paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'cookie', 'headers.cookie'], remove: true },
    },
    destination,
  );
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Writes what is buffered; safe to call on any logger. */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // a destination that is not ready yet has nothing to flush
  }
}

export interface RequestLogFields {
  reqId: string;
  method: string;
  /** e.g. `/fhir/Patient/[id]`, never the concrete id or query. */
  route: string;
  status: number;
  /** Milliseconds, rounded to 0.01. */
  ms: number;
}

export function logRequest(logger: Logger, fields: RequestLogFields): void {
  if (fields.status >= 500) logger.error(fields, 'request failed');
  else logger.info(fields, 'request');
}
