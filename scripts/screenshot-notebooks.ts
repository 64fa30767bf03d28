/**
 * Screenshots of executed notebooks in the classic notebook UI, taken with
 * headless Chromium (Debian package `chromium`), into docs/img/:
 *
 *   tsx scripts/screenshot-notebooks.ts [RUN_FOLDER] [NOTEBOOK=HEIGHT ...]
 *
 * HEIGHT is the window height in CSS pixels: the screenshot shows the notebook from its top down to there.
 *
 * RUN_FOLDER defaults to data/runs/latest (run `npm start` or `npm run notebooks` first).
 * Starts the classic notebook server on 127.0.0.1 (the project's settings),
 * opens each executed copy (signed, so plots render), and lets Chromium's
 * `--screenshot` capture a tall window at a reduced device scale so the PNG stays small.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { projectRoot } from '../lib/db/paths.js';
import { startJupyterServer } from '../lib/notebook/index.js';

const root = projectRoot();
const run = realpathSync(process.argv[2] && !process.argv[2].includes('=') ? process.argv[2] : join(root, 'data', 'runs', 'latest'));
const shots = process.argv.slice(2).filter((a) => a.includes('='));
const targets = shots.length ? shots.map((s) => s.split('=') as [string, string]) : [['02_first_factor', '3400'], ['04_factor_validation', '11800']];
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!chromium) {
  process.stderr.write('chromium not found: apt-get update && apt-get install -y chromium\n');
  process.exit(3);
}
const out = join(root, 'docs', 'img');
mkdirSync(out, { recursive: true });
const server = await startJupyterServer({ app: 'notebook' });
try {
  for (const [name, height] of targets) {
    const file = join(run, `${name}.ipynb`);
    if (!existsSync(file)) throw new Error(`${file} not found: run the notebooks first`);
    const url = `${server.baseUrl}notebooks/${relative(root, file).split('\\').join('/')}?token=${server.token}`;
    const profile = mkdtempSync(join(tmpdir(), 'alphalab-chromium-'));
    const png = join(out, `${name}.png`);
    const r = spawnSync(chromium, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      `--user-data-dir=${profile}`, '--hide-scrollbars', `--window-size=1200,${height}`, '--force-device-scale-factor=0.6',
      '--virtual-time-budget=40000', `--screenshot=${png}`, url,
    ], { encoding: 'utf8', timeout: 180_000 });
    rmSync(profile, { recursive: true, force: true });
    if (!existsSync(png)) throw new Error(`chromium wrote no screenshot for ${name}: ${r.stderr.slice(-2000)}`);
    process.stdout.write(`${relative(root, png)}: ${(statSync(png).size / 1024).toFixed(0)} KB\n`);
  }
} finally {
  await server.stop();
}
