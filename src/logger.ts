import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout. Secrets never reach a log line: callers log ids, not inputs. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'pbx' }, redact: ['*.password', '*.token', '*.secret'] });
}
