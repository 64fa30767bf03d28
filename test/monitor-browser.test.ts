/**
 * The dashboard page in real headless Chromium (Debian's `chromium`, driven by
 * puppeteer-core): loads with the token, shows the seeded stores' numbers,
 * a control click (emergency stop, confirmed) writes the kill switch and the
 * page shows it, no console errors. Skipped, saying why, when no Chromium is
 * installed (.ci/run installs it). ALPHALAB_SCREENSHOT=path saves a screenshot.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDashboard, type MonitorPaths } from '../lib/monitor/index.js';
import { stopFilePath } from '../lib/trade/index.js';
import { seedStores, type SeedReport } from './helpers/monitor-fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const skip = CHROMIUM ? false : 'no Chromium found (/usr/bin/chromium; set CHROMIUM_PATH): install Debian\'s chromium package to run the browser test';

let dir: string, paths: MonitorPaths, seed: SeedReport, url: string;
let app: Awaited<ReturnType<typeof createDashboard>>['app'];

before(async () => {
  if (skip) return;
  ({ dir, paths, seed } = seedStores());
  const d = await createDashboard({ paths, statusTtlMs: 0 });
  app = d.app;
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/?token=${d.token}`;
});
after(async () => {
  if (skip) return;
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

test('page in headless Chromium: seeded numbers, emergency stop click writes the kill switch, no console errors', { skip, timeout: 180_000 }, async () => {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM!,
    headless: true,
    userDataDir: join(dir, 'chromium-profile'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1500 });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    page.on('dialog', (d) => void d.accept());
    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('#alphas tr').length > 1 && document.querySelector('#logs')!.textContent!.includes('miner crashed'), { timeout: 30_000 });
    const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
    assert.ok(!page.url().includes('token='), 'the token is removed from the address bar');
    assert.equal(await text('[data-testid="big-fleet"]'), 'llama3.2:3b');
    assert.equal(await text('[data-testid="big-research"]'), String(seed.research.hypotheses));
    assert.equal(await text('[data-testid="big-miners"]'), String(seed.trials));
    assert.equal(await text('[data-testid="paper-closed trades"]'), String(seed.journals['paper-rw']!.trades));
    assert.equal(await text('[data-testid="live-closed trades"]'), String(seed.journals['live-rw']!.trades));
    assert.equal(await text('[data-testid="paper-PnL (net)"]'), seed.journals['paper-rw']!.pnl.toFixed(4));
    assert.equal(await text('[data-testid="state-orchestrator"]'), 'not running');
    assert.equal(await text('[data-testid="state-trader-paper-rw"]'), 'ACTIVE');
    assert.equal(await page.$$eval('#alphas tr', (r) => r.length - 1), seed.research.hypotheses);
    assert.equal(await page.$$eval('#equity .scatterlayer .trace', (t) => t.length), 2, 'paper and live equity traces');
    if (process.env.ALPHALAB_SCREENSHOT) await page.screenshot({ path: process.env.ALPHALAB_SCREENSHOT, fullPage: true });
    // emergency stop: confirmed in the dialog, the kill switch files appear and the cards say so
    await page.click('#btn-stop');
    await page.waitForFunction(() => document.querySelector('[data-testid="state-trader-paper-rw"]')!.textContent!.startsWith('STOP'), { timeout: 30_000 });
    for (const j of ['paper-rw', 'live-rw']) assert.equal(readFileSync(stopFilePath(join(paths.trade, `${j}.duckdb`)), 'utf8').split('\n')[0], 'halt');
    assert.match(await text('#control-result'), /paper-rw: halt/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
