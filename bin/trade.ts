/**
 * `alphalab trade paper|live|status|stop`: the trading engine's CLI (issue 14),
 * registered in bin/alphalab.ts by {@link registerTradeCommands}. Thin over lib/trade.
 *
 *   trade paper --strategy strategies/X --replay [--from ISO] [--to ISO] [--db PATH] [--json] [--compare-backtest]
 *   trade live  --strategy strategies/X --exchange binanceusdm (--i-understand-this-trades-real-money | --demo) [--db PATH] [--max-bars N] [--json]
 *   trade status [--db PATH] [--json]
 *   trade stop   [--db PATH] [--flatten] [--clear]
 *   trade forceexit <symbol|all> [--db PATH]
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { projectRoot } from '../lib/db/paths.js';
import { clearStopFile, forceExitHook, writeForceExit, Journal, loadTradableStrategy, paperReplay, readStopFile, stopFilePath, stopFileSwitch, writeStopFile } from '../lib/trade/index.js';
import { liveSession } from '../lib/trade/live-session.js';
import { createExchange, EXCHANGE_KEY_ENV, exchangeKeys } from '../lib/venues/index.js';

/** Default journal of a strategy: data/trade/<strategy>.duckdb (git-ignored with data/). */
function defaultDb(strategy: string | undefined): string {
  return join(projectRoot(), 'data', 'trade', `${strategy ? basename(strategy.replace(/\/+$/, '')) : 'paper'}.duckdb`);
}

const line = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);

/** Environment variables that hold exchange keys (never logged, never stored). */
export const KEY_ENV = { key: 'ALPHALAB_EXCHANGE_API_KEY', secret: 'ALPHALAB_EXCHANGE_API_SECRET' } as const;

/** Registers the `trade` verbs on the program. */
export function registerTradeCommands(program: Command): void {
  const trade = program.command('trade').description('paper and live trading on one engine (journal in DuckDB, risk checks, kill switch)');

  trade
    .command('paper')
    .description('paper-trade an exported strategy on stored bars (--replay) through the engine and the PaperBroker, with a parity check against the backtest')
    .requiredOption('-s, --strategy <dir>', 'strategy folder (strategies/<name>) or name')
    .option('--replay', 'replay stored bars as fast as the data allows (the only paper mode of this version)')
    .option('--from <iso>', 'first bar (default: the strategy evaluation period start)')
    .option('--to <iso>', 'last bar (default: the evaluation period end)')
    .option('--db <path>', 'journal (DuckDB file; default data/trade/<strategy>.duckdb); running again continues it')
    .option('--compare-backtest', 'print the first trade-level differences against backtestSignals')
    .option('--json', 'print one summary line')
    .action(async (o: { strategy: string; replay?: boolean; from?: string; to?: string; db?: string; compareBacktest?: boolean; json?: boolean }) => {
      if (!o.replay) throw new Error('trade paper: live paper trading on exchange bars is not available in this version; pass --replay to run on stored bars');
      const { doc, panel } = await loadTradableStrategy(o.strategy);
      const db = o.db ?? defaultDb(o.strategy);
      const bar = new SingleBar({ format: 'paper {bar} {value}/{total} bars | equity {equity} | {state}', hideCursor: true }, Presets.shades_classic);
      let started = false;
      const { summary, parity } = await paperReplay({
        doc, panel, db, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}),
        killSwitch: stopFileSwitch(stopFilePath(db), 500),
        onBarOpen: forceExitHook(db, 500),
        onBar: (t, eq, engine) => {
          if (!started) {
            bar.start(1, 0, { equity: eq.toFixed(4), state: engine.state });
            started = true;
          }
          bar.setTotal(Math.max(bar.getTotal(), t + 1));
          bar.update(t + 1, { equity: eq.toFixed(4), state: engine.state });
        },
      });
      if (started) bar.stop();
      if (o.json) line({ strategy: summary.strategy, bars: summary.bars, orders: summary.orders, trades: summary.trades, pnl: summary.pnl, parity: summary.parity, state: summary.state, resumed: summary.resumed, db });
      else {
        process.stdout.write(`${summary.strategy}: ${summary.bars} bars ${summary.range.from} .. ${summary.range.to}; ${summary.orders} orders, ${summary.trades} trades, PnL ${summary.pnl.toPrecision(6)}; state ${summary.state}${summary.resumed ? ' (resumed from the journal)' : ''}\n`);
        process.stdout.write(`parity with backtestSignals: ${summary.parity.ok ? 'identical trades' : `${summary.parity.differences} differing fields`}\njournal: ${db}\n`);
      }
      if (o.compareBacktest && !parity.ok) for (const d of parity.first) process.stderr.write(`  trade ${d.index} ${d.field}: engine ${JSON.stringify(d.engine)} backtest ${JSON.stringify(d.backtest)}\n`);
      process.exitCode = parity.ok ? 0 : 2;
    });

  trade
    .command('live')
    .description('trade an exported strategy on an exchange account through the engine: closed bars polled with ccxt, reconciliation at start, risk checks, journal (refuses without keys and the explicit flag; --demo: Binance demo trading)')
    .requiredOption('-s, --strategy <dir>', 'strategy folder or name')
    .option('--exchange <id>', 'ccxt exchange id', 'binanceusdm')
    .option('--demo', 'Binance demo trading (ccxt enableDemoTrading): the real API on a demo account, no money (the real-money flag is then not needed)')
    .option('--db <path>', 'journal (default data/trade/<strategy>.duckdb); running again continues it')
    .option('--timeframe <tf>', 'bar timeframe (default: the strategy dataset frequency)')
    .option('--warmup <n>', 'closed bars kept for the signals', '500')
    .option('--max-bars <n>', 'stop after deciding on this many bars (default: run until Ctrl-C or the STOP file)')
    .option('--json', 'print one line per bar and one summary line')
    .option('--i-understand-this-trades-real-money', 'required to start without --demo')
    .action(async (o: { strategy: string; exchange: string; demo?: boolean; db?: string; timeframe?: string; warmup: string; maxBars?: string; json?: boolean; iUnderstandThisTradesRealMoney?: boolean }) => {
      const keys = exchangeKeys();
      if (!keys) throw new Error(`trade live: no exchange keys: set ${KEY_ENV.key} and ${KEY_ENV.secret} in the environment, or ${EXCHANGE_KEY_ENV.file} to a JSON file you own (keys are never logged or stored)`);
      if (!o.iUnderstandThisTradesRealMoney && !o.demo) throw new Error('trade live: refusing to start without --i-understand-this-trades-real-money (try --demo with Binance demo-trading keys first)');
      const { doc, panel } = await loadTradableStrategy(o.strategy);
      const db = o.db ?? defaultDb(o.strategy);
      let stopping = false;
      process.once('SIGINT', () => (stopping = true));
      const report = await liveSession({
        doc, panel, db, exchange: createExchange(o.exchange, keys, { demo: !!o.demo }),
        ...(o.timeframe ? { timeframe: o.timeframe } : {}), warmupBars: Number(o.warmup),
        ...(o.maxBars ? { maxBars: Number(o.maxBars) } : {}),
        shouldStop: () => stopping,
        onBar: (b) => (o.json ? line({ bar: b.bar, time: new Date(b.time).toISOString(), equity: b.equity, acted: b.acted, state: b.state }) : process.stdout.write(`${new Date(b.time).toISOString()} bar closed: equity ${b.equity.toFixed(4)} ${b.state}${b.acted ? '' : ' (stale: marked, not traded)'}\n`)),
      });
      const summary = { strategy: report.strategy, venue: report.venue, demo: !!o.demo, bars: report.barsActed, staleBars: report.barsStale, orders: report.ordersSent, denied: report.ordersDenied, externalOrders: report.externalOrders, trades: report.trades.length, equity: report.equity, state: report.state, resumed: report.resumed, db };
      if (o.json) line(summary);
      else process.stdout.write(`${summary.strategy} on ${summary.venue}${summary.demo ? ' (demo)' : ''}: ${summary.bars} bars traded, ${summary.orders} orders, ${summary.trades} trades, equity ${summary.equity}; state ${summary.state}\njournal: ${db}\n`);
    });

  trade
    .command('status')
    .description('journal state: account, trading state, positions, orders, risk events, STOP file')
    .option('--db <path>', 'journal (default data/trade/paper.duckdb)')
    .option('-s, --strategy <dir>', 'strategy whose default journal to read')
    .option('--json', 'print one line')
    .action(async (o: { db?: string; strategy?: string; json?: boolean }) => {
      const db = o.db ?? defaultDb(o.strategy);
      if (!existsSync(db)) throw new Error(`trade status: no journal at ${db}`);
      const j = await Journal.open(db);
      try {
        const acct = await j.account();
        const positions = await j.positions();
        const counts = await j.counts();
        const events = await j.riskEvents();
        const stop = readStopFile(stopFilePath(db));
        const status = { db, strategy: await j.meta('strategy'), venue: await j.meta('venue'), state: acct?.state ?? 'ACTIVE', cash: acct?.cash ?? null, cursor: acct ? { bar: acct.bar, phase: acct.phase } : null, positions: positions.map((p) => ({ symbol: p.symbol, qty: p.qty, entryPrice: p.entryPrice })), orders: counts.orders, fills: counts.fills, denied: counts.denied, trades: (await j.trades()).length, riskEvents: events.length, lastRiskEvent: events.at(-1) ?? null, stopFile: stop };
        if (o.json) line(status);
        else {
          process.stdout.write(`journal ${db}: strategy ${status.strategy}, venue ${status.venue}, state ${status.state}${stop ? ` (STOP file present: ${stop.flatten ? 'flatten' : 'halt'})` : ''}\n`);
          process.stdout.write(`cash ${status.cash}, ${positions.length} open positions, ${counts.orders} orders, ${counts.fills} fills, ${status.trades} closed trades, ${counts.denied} denied orders, ${events.length} risk events\n`);
          for (const p of status.positions) process.stdout.write(`  ${p.symbol} ${p.qty} @ ${p.entryPrice}\n`);
          if (status.lastRiskEvent) process.stdout.write(`last risk event: ${status.lastRiskEvent.kind}: ${status.lastRiskEvent.detail}\n`);
        }
      } finally {
        j.close();
      }
    });

  trade
    .command('stop')
    .description('kill switch: write the journal STOP file; a running engine goes HALTED at its next bar (--flatten also closes positions)')
    .option('--db <path>', 'journal (default data/trade/paper.duckdb)')
    .option('-s, --strategy <dir>', 'strategy whose default journal to stop')
    .option('--flatten', 'also close every position with market orders')
    .option('--clear', 'remove the STOP file instead (trading may resume)')
    .option('--json', 'print one line')
    .action((o: { db?: string; strategy?: string; flatten?: boolean; clear?: boolean; json?: boolean }) => {
      const path = stopFilePath(o.db ?? defaultDb(o.strategy));
      if (o.clear) {
        const had = clearStopFile(path);
        if (o.json) line({ stopFile: path, cleared: had });
        else process.stdout.write(had ? `removed ${path}\n` : `no STOP file at ${path}\n`);
        return;
      }
      writeStopFile(path, !!o.flatten, 'alphalab trade stop');
      if (o.json) line({ stopFile: path, flatten: !!o.flatten });
      else process.stdout.write(`wrote ${path} (${o.flatten ? 'halt and flatten' : 'halt'}); the engine goes HALTED at its next bar\n`);
    });

  trade
    .command('forceexit <symbol>')
    .description("force exit (freqtrade's forceexit): a running engine closes the position in <symbol> (or every position: all) at its next bar, through the normal order path")
    .option('--db <path>', 'journal (default data/trade/paper.duckdb)')
    .option('-s, --strategy <dir>', 'strategy whose default journal to use')
    .option('--json', 'print one line')
    .action((symbol: string, o: { db?: string; strategy?: string; json?: boolean }) => {
      const req = writeForceExit(o.db ?? defaultDb(o.strategy), symbol, 'alphalab trade forceexit');
      if (o.json) line(req);
      else process.stdout.write(`force exit ${req.symbol} queued (${req.id}); the engine closes it at its next bar\n`);
    });
}
