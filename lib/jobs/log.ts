/**
 * Structured logs for long-running jobs (pino): JSON lines to a file per
 * process (machine-readable, one object per event with `component`, `pid`,
 * `time`), and the same events in pino-pretty's readable form on stderr.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Options of {@link createJobLogger}. */
export interface JobLoggerOptions {
  /** JSON-lines file (appended, folder created). Omit for console only. */
  readonly file?: string;
  /** Readable lines on stderr. Default true. */
  readonly console?: boolean;
  /** Minimum level. Default 'info'. */
  readonly level?: 'debug' | 'info' | 'warn' | 'error';
}

/** A pino logger whose events carry `component` (see the module comment). Writes are synchronous so a crash loses no line. */
export function createJobLogger(component: string, options: JobLoggerOptions = {}): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.console ?? true) streams.push({ level: options.level ?? 'info', stream: pretty({ colorize: false, destination: 2, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'hostname', singleLine: true }) });
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    streams.push({ level: options.level ?? 'info', stream: pino.destination({ dest: options.file, sync: true, append: true }) });
  }
  const base = pino({ level: options.level ?? 'info', base: { pid: process.pid } }, streams.length ? pino.multistream(streams) : pino.destination('/dev/null'));
  return base.child({ component });
}

export type { Logger };
