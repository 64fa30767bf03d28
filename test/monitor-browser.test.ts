/**
 * The dashboard page in real headless Chromium (Debian's `chromium`, driven by
 * puppeteer-core): loads with the token, shows the seeded stores' numbers,
 * including marked profit, the event timeline, requests and the market
 * scatter; Mine and Force exit clicks write their request files; a control
 * click (emergency stop, confirmed) writes the kill switch and the page shows
 * it; no console errors. Skipped, saying why, when no Chromium is
 * installed (.ci/run installs it). ALPHALAB_SCREENSHOT=path saves a screenshot.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDashboard, pendingRequests, type MonitorPaths } from '../lib/monitor/index.js';
import { pendingForceExits, stopFilePath } from '../lib/trade/index.js';
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

test('page in headless Chromium: seeded numbers (marked profit, timeline, requests, scatter), Mine and Force exit clicks write their requests, emergency stop writes the kill switch, no console errors', { skip, timeout: 180_000 }, async () => {
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
    // marked profit, timeline, requests, scatter: the seeded stores' values
    assert.equal(await text('[data-testid="paper-unrealized"]'), seed.journals['paper-rw']!.unrealized.toFixed(4));
    assert.equal(await text('[data-testid="live-unrealized"]'), seed.journals['live-rw']!.unrealized.toFixed(4));
    assert.equal(Number(await text('[data-testid="paper-total (realized + unrealized)"]')).toFixed(4), seed.journals['paper-rw']!.equityPnl.toFixed(4));
    assert.equal(await text('[data-testid="paper-open positions"]'), String(seed.journals['paper-rw']!.positions));
    assert.equal(await text(`[data-testid="request-state-${seed.request.id}"]`), 'done');
    assert.equal(await page.$$eval('#timeline tr[data-source="forceexit"]', (r) => r.length), 1);
    assert.equal(await page.$$eval('#timeline tr[data-source="research"]', (r) => r.length), 2 * seed.research.runs);
    assert.equal(await page.$$eval('#scatter-alphas .scatterlayer .trace', (t) => t.length), 1);
    assert.equal(await page.$$eval('#scatter-alphas .scatterlayer .point', (t) => t.length), 3, 'three hopeful alphas');
    const modesWithPositions = ['paper-rw', 'live-rw'].filter((j) => seed.journals[j]!.positions > 0).length;
    assert.equal(await page.$$eval('#scatter-positions .scatterlayer .trace', (t) => t.length), modesWithPositions);
    assert.equal(await page.$$eval('#position-table button[data-forceexit]', (b) => b.length), seed.journals['paper-rw']!.positions + seed.journals['live-rw']!.positions);
    if (process.env.ALPHALAB_SCREENSHOT) await page.screenshot({ path: process.env.ALPHALAB_SCREENSHOT, fullPage: true });
    // Mine with 2 iterations: a request file with those parameters, listed as queued
    await page.type('#req-iterations', '2');
    await page.click('#btn-mine');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#requests td')).some((td) => td.textContent === 'queued'), { timeout: 30_000 });
    const queued = pendingRequests(paths);
    assert.equal(queued.length, 1);
    assert.deepEqual(JSON.parse(readFileSync(queued[0]!, 'utf8')), { ...JSON.parse(readFileSync(queued[0]!, 'utf8')), kind: 'mine', params: { iterations: 2 }, source: 'dashboard' });
    // force exit of the first listed position: the request lands where that journal's engine reads it
    const [fxJournal, fxSymbol] = await page.$eval('#position-table button[data-forceexit]', (b) => [(b as HTMLElement).dataset.journal!, (b as HTMLElement).dataset.forceexit!]);
    const beforeFx = pendingForceExits(join(paths.trade, `${fxJournal}.duckdb`)).length;
    await page.click('#position-table button[data-forceexit]');
    await page.waitForFunction(() => document.querySelector('#control-result')!.textContent!.startsWith('force exit'), { timeout: 30_000 });
    const fx = pendingForceExits(join(paths.trade, `${fxJournal}.duckdb`));
    assert.equal(fx.length, beforeFx + 1);
    assert.equal(fx.at(-1)!.symbol, fxSymbol);
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
