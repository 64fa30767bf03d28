import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Python, which has nbformat (the `python3` on the PATH may be another one, e.g. pyenv's). */
export function systemPython(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { env: env ?? process.env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else res({ stdout, stderr });
    });
  });
}

/**
 * Marks a notebook file trusted, so that its HTML / JavaScript outputs (plots)
 * render when it is opened: runs `python3 -m nbformat.sign <file>`, which
 * stores the notebook's HMAC-SHA256 signature (keyed by the secret in the
 * Jupyter data dir, `~/.local/share/jupyter/notebook_secret` by default) in
 * that data dir's signature database, as `jupyter trust` does. The server that
 * opens the file must use the same data dir (the default, for a server this
 * project starts).
 * @throws Error with Python's message when signing fails (nbformat missing, invalid notebook).
 */
export async function signNotebook(file: string, env?: NodeJS.ProcessEnv): Promise<void> {
  await run(systemPython(), ['-m', 'nbformat.sign', file], env);
}

/** Result of {@link checkNotebookFile}. */
export interface NotebookCheck {
  /** nbformat major.minor of the file. */
  version: string;
  /** Validation errors from `nbformat.validate` (empty when valid). */
  errors: string[];
  /** Whether the signature database holds this notebook's signature (`NotebookNotary.check_signature`). */
  trusted: boolean;
}

const CHECK_PY = `
import json, sys, nbformat
from nbformat.sign import NotebookNotary
nb = nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT)
errors = []
try:
    nbformat.validate(nb, relax_add_props=False)
except nbformat.ValidationError as e:
    errors.append(str(e).split("\\n")[0])
print(json.dumps({"version": "%d.%d" % (nb.nbformat, nb.nbformat_minor), "errors": errors, "trusted": bool(NotebookNotary().check_signature(nb))}))
`;

/**
 * Validates a notebook file against the nbformat JSON schema and checks its
 * trust signature, with Python's nbformat (an implementation independent of
 * this package's writer).
 * @throws Error when the file cannot be read as a notebook.
 */
export async function checkNotebookFile(file: string, env?: NodeJS.ProcessEnv): Promise<NotebookCheck> {
  const { stdout } = await run(systemPython(), ['-c', CHECK_PY, file], env);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as NotebookCheck;
}
