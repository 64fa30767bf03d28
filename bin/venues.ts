/**
 * `alphalab meme <verb>` and `alphalab swap <verb>`: the meme-token data
 * pipeline and Solana swaps through Jupiter from the command line.
 *
 *   alphalab meme fetch [--frequency 15m] [--days 7] [--max-tokens 100] [--min-liquidity 500000] [--min-fdv 10000000] [--no-dexscreener]
 *   alphalab swap balances
 *   alphalab swap quote --in <mint|SOL> --out <mint|SOL> --amount <decimal> [--slippage-bps 50]
 *   alphalab swap order --in ... --out ... --amount ... --id <clientOrderId> [--yes]
 *
 * Keys from the environment only: BIRDEYE_API_KEY, JUPITER_API_KEY,
 * SOLANA_PRIVATE_KEY (base58), SOLANA_RPC_URL. `swap order` without --yes
 * prints the quote and sends nothing. --json prints one summary line.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { Frequency } from '../lib/data/panel.js';
import type { Db } from '../lib/db/index.js';
import type { DuckDbHttpLog, JupiterBroker, JupiterClient, SolanaRpc } from '../lib/venues/index.js';
import { ensureLib, isVenueError, L, out, withDb, type CliCommon } from './venue-cli.js';

type Common = CliCommon;

const posNum = (v: string): number => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
};

function fail(o: Common, err: unknown): void {
  const e = err as Error;
  out(o, { ok: false, ...(isVenueError(err) ? { venue: err.venue, code: err.code, status: err.status ?? null } : {}), message: e.message }, `${isVenueError(err) ? `${err.venue} ${err.code}: ` : ''}${e.message}`);
  process.exitCode = 1;
}

const mint = (m: string): string => (m.toUpperCase() === 'SOL' ? L.SOL_MINT : m);

interface SwapFlags extends Common {
  jupiterUrl?: string;
  rpcUrl?: string;
}

async function swapBroker(o: SwapFlags, db: Db, log: DuckDbHttpLog): Promise<{ broker: JupiterBroker; rpc: SolanaRpc; jupiter: JupiterClient }> {
  const rpcUrl = o.rpcUrl ?? process.env.SOLANA_RPC_URL;
  if (!rpcUrl) throw new L.VenueError('solana', 'credentials', 'set SOLANA_RPC_URL (or --rpc-url) to your Solana RPC endpoint');
  const jupiter = new L.JupiterClient({ baseUrl: o.jupiterUrl, apiKey: L.apiKeyFromEnv('JUPITER_API_KEY', 'jupiter', true), recorder: log });
  const rpc = new L.SolanaRpc({ url: rpcUrl, recorder: log });
  const broker = new L.JupiterBroker({ jupiter, rpc, signer: await L.loadSolanaSigner(), db });
  return { broker, rpc, jupiter };
}

async function decimalsOf(rpc: SolanaRpc, m: string): Promise<number> {
  return m === L.SOL_MINT ? L.SOL_DECIMALS : rpc.getMintDecimals(m);
}

/** Registers `meme` and `swap` on the alphalab program. */
export function registerVenueCommands(program: Command): void {
  const meme = program.command('meme').description('meme-token data: Birdeye / DexScreener trending tokens, filters, OHLCV into the catalog');
  meme.command('fetch').description('trending tokens -> liquidity / FDV filter -> snapshot -> Birdeye OHLCV -> validated ingest')
    .option('-f, --frequency <f>', 'bar frequency: 1m, 5m, 15m, 1h, 4h, 1d', '15m')
    .option('--days <n>', 'days of bars up to now', posNum, 7)
    .option('--max-tokens <n>', 'trending tokens per source', posNum, 100)
    .option('--min-liquidity <usd>', 'minimum liquidity, USD', posNum, 500_000)
    .option('--min-fdv <usd>', 'minimum fully diluted valuation, USD', posNum, 10_000_000)
    .option('--no-dexscreener', 'Birdeye only')
    .option('--birdeye-url <url>', 'Birdeye base URL (default the real service)')
    .option('--dexscreener-url <url>', 'DexScreener base URL (default the real service)')
    .option('--dataset <name>', 'dataset name (default meme_ohlcv_<frequency>)')
    .option('--db <file>', 'DuckDB file (default data/quant.duckdb)')
    .option('--json', 'print one JSON summary line')
    .action(async (o: Common & { frequency: Frequency; days: number; maxTokens: number; minLiquidity: number; minFdv: number; dexscreener: boolean; birdeyeUrl?: string; dexscreenerUrl?: string; dataset?: string }) => {
      try {
        await ensureLib();
        if (!['1m', '5m', '15m', '1h', '4h', '1d'].includes(o.frequency)) throw new InvalidArgumentError(`--frequency must be one of 1m, 5m, 15m, 1h, 4h, 1d; got ${o.frequency}`);
        await withDb(o, async (db) => {
          const log = new L.DuckDbHttpLog(db);
          const key = L.apiKeyFromEnv('BIRDEYE_API_KEY', 'birdeye', false);
          if (!key) process.stderr.write('meme: BIRDEYE_API_KEY is not set: DexScreener snapshot only, no OHLCV\n');
          const birdeye = key ? new L.BirdeyeClient({ baseUrl: o.birdeyeUrl, apiKey: key, recorder: log }) : undefined;
          const dexscreener = o.dexscreener ? new L.DexScreenerClient({ baseUrl: o.dexscreenerUrl, recorder: log }) : undefined;
          const to = Date.now();
          const r = await L.runMemePipeline({ db, birdeye, dexscreener, maxTokens: Math.floor(o.maxTokens), frequency: o.frequency, fromMs: to - o.days * 86_400_000, toMs: to, dataset: o.dataset, filter: { minLiquidityUsd: o.minLiquidity, minFdvUsd: o.minFdv } });
          await log.flush();
          out(o, { ok: true, tokensSeen: r.tokensSeen, tokensPassed: r.tokensPassed.map((t) => t.address), bars: r.bars, ingest: r.ingest ? { dataset: r.ingest.dataset, status: r.ingest.status, rowsKept: r.ingest.rowsKept, rowsDropped: r.ingest.rowsDropped } : null },
            `tokens seen ${r.tokensSeen}, passed the filter ${r.tokensPassed.length}, bars ${r.bars}${r.ingest ? `; ingest ${r.ingest.dataset}: ${r.ingest.status}, ${r.ingest.rowsKept} rows kept, ${r.ingest.rowsDropped} dropped` : ''}`);
        });
      } catch (err) {
        fail(o, err);
      }
    });

  const swap = program.command('swap').description('Solana swaps through Jupiter, signed locally (SOLANA_PRIVATE_KEY, JUPITER_API_KEY, SOLANA_RPC_URL)');
  const swapOpts = (c: Command): Command => c
    .option('--jupiter-url <url>', 'Jupiter API base URL (default https://api.jup.ag)')
    .option('--rpc-url <url>', 'Solana RPC URL (default $SOLANA_RPC_URL)')
    .option('--db <file>', 'DuckDB file for the order journal and request log (default data/quant.duckdb)')
    .option('--json', 'print one JSON summary line');
  const orderOpts = (c: Command): Command => swapOpts(c)
    .requiredOption('--in <mint>', 'input mint (or SOL)')
    .requiredOption('--out <mint>', 'output mint (or SOL)')
    .requiredOption('--amount <decimal>', 'input amount in tokens (converted with the mint decimals)')
    .option('--slippage-bps <n>', 'slippage tolerance, bps', (v) => Number(v), 50);

  swapOpts(swap.command('balances').description('SOL and token balances of the wallet')).action(async (o: SwapFlags) => {
    try {
      await ensureLib();
      await withDb(o, async (db) => {
        const log = new L.DuckDbHttpLog(db);
        const b = await (await swapBroker(o, db, log)).broker.balances();
        await log.flush();
        out(o, { ok: true, ...b }, `${b.owner}: ${b.sol} SOL\n${b.tokens.map((t) => `  ${t.mint}: ${L.fromBaseUnits(t.amount, t.decimals)}`).join('\n')}`);
      });
    } catch (err) {
      fail(o, err);
    }
  });

  orderOpts(swap.command('quote').description('a Jupiter quote (nothing is signed or sent)')).action(async (o: SwapFlags & { in: string; out: string; amount: string; slippageBps: number }) => {
    try {
      await ensureLib();
      await withDb(o, async (db) => {
        const log = new L.DuckDbHttpLog(db);
        const { rpc, jupiter } = await swapBroker(o, db, log);
        const [dIn, dOut] = [await decimalsOf(rpc, mint(o.in)), await decimalsOf(rpc, mint(o.out))];
        const q = await jupiter.quote({ inputMint: mint(o.in), outputMint: mint(o.out), amount: L.toBaseUnits(o.amount, dIn), slippageBps: o.slippageBps });
        await log.flush();
        out(o, { ok: true, quote: q }, `${L.fromBaseUnits(BigInt(q.inAmount), dIn)} -> ${L.fromBaseUnits(BigInt(q.outAmount), dOut)} (at least ${L.fromBaseUnits(BigInt(q.otherAmountThreshold), dOut)} at ${q.slippageBps} bps slippage; price impact ${q.priceImpactPct})`);
      });
    } catch (err) {
      fail(o, err);
    }
  });

  orderOpts(swap.command('order').description('execute one swap (idempotent by --id); without --yes only the quote is shown'))
    .requiredOption('--id <clientOrderId>', 'order id: the same id is never executed twice')
    .option('--yes', 'really sign and send')
    .action(async (o: SwapFlags & { in: string; out: string; amount: string; slippageBps: number; id: string; yes?: boolean }) => {
      try {
        await ensureLib();
        await withDb(o, async (db) => {
          const log = new L.DuckDbHttpLog(db);
          const { broker, rpc, jupiter } = await swapBroker(o, db, log);
          const amount = L.toBaseUnits(o.amount, await decimalsOf(rpc, mint(o.in)));
          if (!o.yes) {
            const q = await jupiter.quote({ inputMint: mint(o.in), outputMint: mint(o.out), amount, slippageBps: o.slippageBps });
            await log.flush();
            out(o, { ok: true, sent: false, quote: q }, `quote: ${q.inAmount} -> ${q.outAmount} base units; nothing sent (add --yes to execute)`);
            return;
          }
          const f = await broker.submitOrder({ clientOrderId: o.id, inputMint: mint(o.in), outputMint: mint(o.out), amount, slippageBps: o.slippageBps });
          await log.flush();
          out(o, { ok: f.state === 'confirmed', sent: true, ...f }, `${f.clientOrderId}: ${f.state}${f.signature ? ` ${f.signature}` : ''}${f.error ? ` (${f.error})` : ''}`);
          if (f.state !== 'confirmed') process.exitCode = 1;
        });
      } catch (err) {
        fail(o, err);
      }
    });
}
