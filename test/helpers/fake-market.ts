/**
 * A scripted stand-in for Birdeye (`/defi/token_trending`, `/defi/ohlcv`;
 * X-API-KEY required; at most 20 tokens a page and 1,000 bars a request) and
 * DexScreener (`/token-boosts/top/v1`, `/tokens/v1/{chain}/{addresses}` with at
 * most 30 addresses) on 127.0.0.1. Tokens are generated deterministically:
 * token i has liquidity 100,000 x (i + 1) USD and FDV 1,000,000 x (i + 1) USD,
 * so which ones pass a filter is known by hand.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from './local-server.js';

export const BIRDEYE_KEY = 'be-test-key-abcdef0123456789';

export class FakeMarket extends LocalServer {
  readonly requests: { path: string; query: Record<string, string>; apiKey?: string }[] = [];
  /** 429s to give before the next answer. */
  force429 = 0;

  constructor(readonly nTokens = 45) {
    super();
  }

  address(i: number): string {
    return `Tok${String(i).padStart(3, '0')}${'x'.repeat(35)}`;
  }




  protected handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const q = Object.fromEntries(url.searchParams);
    this.requests.push({ path: url.pathname, query: q, apiKey: req.headers['x-api-key'] as string | undefined });
    if (this.force429 > 0) {
      this.force429--;
      return this.send(res, 429, { message: 'Too many requests' }, { 'retry-after': '0' });
    }
    if (url.pathname.startsWith('/defi/')) {
      if (req.headers['x-api-key'] !== BIRDEYE_KEY) return this.send(res, 401, { success: false, message: 'Unauthorized' });
      if (url.pathname === '/defi/token_trending') {
        const offset = Number(q.offset ?? 0), limit = Number(q.limit ?? 20);
        if (limit > 20) return this.send(res, 400, { success: false, message: 'limit must be <= 20' });
        const tokens = [];
        for (let i = offset; i < Math.min(this.nTokens, offset + limit); i++) {
          tokens.push({ address: this.address(i), symbol: `T${i}`, name: `Token ${i}`, decimals: 6, liquidity: 100_000 * (i + 1), fdv: 1_000_000 * (i + 1), marketcap: 900_000 * (i + 1), volume24hUSD: 50_000 * (i + 1), rank: i + 1, price: 0.001 * (i + 1) });
        }
        return this.send(res, 200, { success: true, data: { updateUnixTime: 1_764_000_000, tokens, total: this.nTokens } });
      }
      if (url.pathname === '/defi/ohlcv') {
        const from = Number(q.time_from), to = Number(q.time_to);
        const i = Number(String(q.address).slice(3, 6));
        const step = ({ '1m': 60, '5m': 300, '15m': 900, '1H': 3600, '4H': 14_400, '1D': 86_400 } as Record<string, number>)[String(q.type)];
        if (!step) return this.send(res, 400, { success: false, message: `bad type ${q.type}` });
        const items = [];
        // bars on the grid, starting at the first grid point >= from, at most 1,000
        for (let t = Math.ceil(from / step) * step; t <= to && items.length < 1000; t += step) {
          const c = 0.001 * (i + 1) * (1 + 0.01 * Math.sin(t / 10_000));
          items.push({ address: q.address, unixTime: t, type: q.type, o: c * 0.999, h: c * 1.002, l: c * 0.997, c, v: 1000 + (t % 7) });
        }
        return this.send(res, 200, { success: true, data: { items } });
      }
    }
    if (url.pathname === '/token-boosts/top/v1') {
      const list = [];
      for (let i = this.nTokens - 1; i >= 0; i--) list.push({ chainId: 'solana', tokenAddress: this.address(i), amount: 100, totalAmount: 500 });
      list.splice(3, 0, { chainId: 'ethereum', tokenAddress: '0xabc', amount: 1, totalAmount: 1 });
      return this.send(res, 200, list);
    }
    const m = /^\/tokens\/v1\/solana\/(.+)$/.exec(url.pathname);
    if (m) {
      const addrs = m[1]!.split(',');
      if (addrs.length > 30) return this.send(res, 400, { message: 'at most 30 addresses' });
      const pairs = addrs.flatMap((a) => {
        const i = Number(a.slice(3, 6));
        const base = { address: a, name: `Token ${i}`, symbol: `T${i}` };
        return [
          { chainId: 'solana', dexId: 'raydium', pairAddress: `P1${a}`, baseToken: base, quoteToken: { symbol: 'SOL' }, priceUsd: String(0.001 * (i + 1)), liquidity: { usd: 100_000 * (i + 1) }, fdv: 1_000_000 * (i + 1), marketCap: 900_000 * (i + 1), volume: { h24: 1234 } },
          { chainId: 'solana', dexId: 'orca', pairAddress: `P2${a}`, baseToken: base, quoteToken: { symbol: 'USDC' }, priceUsd: String(0.001 * (i + 1)), liquidity: { usd: 1000 }, fdv: 1_000_000 * (i + 1), marketCap: 900_000 * (i + 1), volume: { h24: 1 } },
        ];
      });
      return this.send(res, 200, pairs);
    }
    return this.send(res, 404, { message: 'not found' });
  }
}
