/**
 * Log tails for the dashboard: the pino JSON-lines files of each component
 * (`data/logs/<component>.log`, lib/jobs `createJobLogger`). A line that is
 * not JSON is shown as level "info" text of the file's component (children's
 * raw output is logged there too).
 */
import { existsSync, openSync, readSync, closeSync, statSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

/** pino's numeric levels by name. */
export const LOG_LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** One log event as sent to the page. */
export interface LogEvent {
  /** ms since epoch (pino `time`), or null when the line had none. */
  time: number | null;
  level: string;
  component: string;
  msg: string;
  pid: number | null;
}

/** Filters: component (file or `component` field), minimum level by name. */
export interface LogFilter {
  component?: string;
  level?: string;
  limit?: number;
}

const NAMES = Object.fromEntries(Object.entries(LOG_LEVELS).map(([k, v]) => [v, k]));

/** Parses one line of `<component>.log`. Pure. */
export function parseLogLine(line: string, fileComponent: string): LogEvent | null {
  const s = line.trim();
  if (!s) return null;
  try {
    const o = JSON.parse(s) as Record<string, unknown>;
    // only `msg`, level, component, time, pid go to the page: other fields of an event may hold anything a job logged
    return { time: typeof o.time === 'number' ? o.time : null, level: NAMES[Number(o.level)] ?? 'info', component: typeof o.component === 'string' ? o.component : fileComponent, msg: typeof o.msg === 'string' ? o.msg : '', pid: typeof o.pid === 'number' ? o.pid : null };
  } catch {
    return { time: null, level: 'info', component: fileComponent, msg: s, pid: null };
  }
}

/** Whether an event passes the filter. @throws Error for an unknown level name */
export function logMatches(e: LogEvent, f: LogFilter): boolean {
  if (f.level !== undefined && !(f.level in LOG_LEVELS)) throw new Error(`unknown log level "${f.level}" (${Object.keys(LOG_LEVELS).join(', ')})`);
  if (f.component && e.component !== f.component) return false;
  return !f.level || (LOG_LEVELS[e.level] ?? 30) >= LOG_LEVELS[f.level]!;
}

/** The `.log` files of the logs folder. */
export function logFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => join(dir, f)) : [];
}

/** Reads bytes [from, to) of a file as text. */
export function readRange(path: string, from: number, to: number): string {
  if (to <= from) return '';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    const got = readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The last events of every log (reading at most `tailBytes` of each file), filtered, sorted by time, at most `limit` (default 200). */
export function tailLogs(dir: string, f: LogFilter = {}, tailBytes = 256 * 1024): LogEvent[] {
  const all: LogEvent[] = [];
  for (const p of logFiles(dir)) {
    const size = statSync(p).size, from = Math.max(0, size - tailBytes);
    const lines = readRange(p, from, size).split('\n');
    if (from > 0) lines.shift(); // first line is cut
    for (const l of lines) {
      const e = parseLogLine(l, basename(p, '.log'));
      if (e && logMatches(e, f)) all.push(e);
    }
  }
  all.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  return all.slice(-Math.max(1, Math.min(f.limit ?? 200, 5000)));
}

/**
 * Follows the logs folder: every `intervalMs` reads what was appended to each
 * file since the last look (a file that shrank is read from its start) and
 * calls `onEvent` per complete new line. Returns a function that stops it.
 */
export function followLogs(dir: string, onEvent: (e: LogEvent) => void, intervalMs = 250): () => void {
  const offsets = new Map<string, number>();
  const partial = new Map<string, string>();
  for (const p of logFiles(dir)) offsets.set(p, statSync(p).size);
  const tick = () => {
    for (const p of logFiles(dir)) {
      let size: number;
      try {
        size = statSync(p).size;
      } catch {
        continue;
      }
      let at = offsets.get(p) ?? 0;
      if (size < at) at = 0;
      if (size === at) continue;
      const text = (partial.get(p) ?? '') + readRange(p, at, size);
      offsets.set(p, size);
      const lines = text.split('\n');
      partial.set(p, lines.pop() ?? '');
      for (const l of lines) {
        const e = parseLogLine(l, basename(p, '.log'));
        if (e) onEvent(e);
      }
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
