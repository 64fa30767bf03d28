/**
 * Exit with the parent: `npm run research` runs `npm -> sh -> tsx -> node`, and
 * a kill -9 of npm (or of tsx) is not forwarded: the research process kept
 * running and kept the DuckDB lock. At start the CLI notes its chain of wrapper
 * ancestors (processes named node, npm, npx, sh, dash, tsx: read from
 * /proc on Linux; elsewhere only the direct parent) and checks once a second
 * that they are all alive; when one dies it calls `onOrphan` (stop after the
 * current step, as on Ctrl-C) and exits after `graceMs` in any case. The loop is
 * crash-only, so stopping at any point loses nothing. The first non-wrapper
 * ancestor (the user's shell, a supervisor) is not watched: `nohup npm run
 * research &` keeps running after the shell exits, since npm does.
 */
import { readFileSync } from 'node:fs';

/** Process names treated as wrappers between the user and the CLI. */
const WRAPPER_RE = /^(node|npm|npx|sh|dash|tsx)\b/;

/** Name (comm, as set by process.title: `npm run researc`) and parent pid of a process from /proc, or undefined. */
function procInfo(pid: number): { name: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(open + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return { name, ppid };
  } catch {
    return undefined;
  }
}

/** The wrapper ancestors of this process, nearest first (at least the direct parent). */
export function wrapperAncestors(): number[] {
  const out = [process.ppid];
  let pid = process.ppid;
  for (let depth = 0; depth < 8; depth++) {
    const info = procInfo(pid);
    if (!info || !WRAPPER_RE.test(info.name) || info.ppid <= 1) break;
    const parent = procInfo(info.ppid);
    if (!parent || !WRAPPER_RE.test(parent.name)) break;
    out.push(info.ppid);
    pid = info.ppid;
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Watches the wrapper ancestors; on the first one gone calls `onOrphan` once and
 * exits the process with code 129 after `graceMs`.
 * @returns a function that stops watching.
 */
export function exitWithParent(onOrphan: (pid: number) => void, opts: { intervalMs?: number; graceMs?: number } = {}): () => void {
  const watched = wrapperAncestors();
  const initialParent = process.ppid;
  const timer = setInterval(() => {
    const gone = watched.find((p) => !alive(p)) ?? (process.ppid !== initialParent ? initialParent : undefined);
    if (gone === undefined) return;
    clearInterval(timer);
    onOrphan(gone);
    setTimeout(() => process.exit(129), opts.graceMs ?? 5000).unref();
  }, opts.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
