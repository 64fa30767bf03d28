/**
 * Market rows for the ML signal engine: the seed's row format
 * (`timestamp, bid_price, ask_price, bid_volume, ask_volume, close, volume`),
 * optionally with taker-buy volume and an L10 book, as one row object (live
 * use) or as a struct of typed arrays (batch use), and a LOBSTER loader that
 * samples message + book files onto a fixed time grid.
 *
 * Conventions: `timestamp` is epoch ms UTC of the moment the row is known
 * (the end of its sampling interval); prices in quote currency; sizes and
 * volumes in units of the asset; `close` is the last trade price at or before
 * `timestamp`; `volume` the traded quantity within the row's interval.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Depth of the optional multi-level book carried by rows and frames. */
export const BOOK_LEVELS = 10;

/** Multi-level book of one row: level 1 first, `BOOK_LEVELS` entries each. */
export interface BookLevels {
  bidPrice: ArrayLike<number>;
  bidSize: ArrayLike<number>;
  askPrice: ArrayLike<number>;
  askSize: ArrayLike<number>;
}

/** One market row (the seed's format, snake_case kept so its rows pass through unchanged). */
export interface MarketRow {
  /** Epoch ms UTC when the row is known. */
  timestamp: number;
  bid_price: number;
  ask_price: number;
  /** Size at the best bid (units). */
  bid_volume: number;
  /** Size at the best ask (units). */
  ask_volume: number;
  /** Last trade price at or before `timestamp`. */
  close: number;
  /** Quantity traded within the row's interval (units; 0 = no trade). */
  volume: number;
  /** Buyer-initiated part of `volume` when the venue reports trade sides; absent = sign trades by the tick rule. */
  buy_volume?: number;
  /** L10 book (level 1 must equal bid_price / ask_price / sizes), or absent. */
  book?: BookLevels;
}

/** Many rows as typed arrays, length T each (book arrays T x BOOK_LEVELS, row-major). */
export interface MarketFrame {
  timestamp: Float64Array;
  bidPrice: Float64Array;
  askPrice: Float64Array;
  bidVolume: Float64Array;
  askVolume: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Taker-buy volume, or null when trade sides are unknown (tick rule). */
  buyVolume: Float64Array | null;
  /** L10 book, or null for L1 data. */
  book: { bidPrice: Float64Array; bidSize: Float64Array; askPrice: Float64Array; askSize: Float64Array } | null;
}

/** Number of rows of a frame. */
export function frameLength(f: MarketFrame): number {
  return f.timestamp.length;
}

/**
 * Checks a frame's shapes and values.
 * @throws RangeError naming the field and row: mismatched lengths, non-increasing timestamps,
 *   non-positive or crossed prices (bid >= ask), negative sizes or volumes, buy volume above volume.
 */
export function validateFrame(f: MarketFrame, source = 'frame'): void {
  const T = f.timestamp.length;
  const cols: [string, Float64Array | null][] = [
    ['bidPrice', f.bidPrice], ['askPrice', f.askPrice], ['bidVolume', f.bidVolume], ['askVolume', f.askVolume],
    ['close', f.close], ['volume', f.volume], ['buyVolume', f.buyVolume],
  ];
  for (const [name, a] of cols) if (a && a.length !== T) throw new RangeError(`${source}: ${name} has ${a.length} rows, timestamp has ${T}`);
  if (f.book) for (const [k, a] of Object.entries(f.book)) if (a.length !== T * BOOK_LEVELS) throw new RangeError(`${source}: book.${k} has ${a.length} values, expected ${T} x ${BOOK_LEVELS}`);
  for (let t = 0; t < T; t++) {
    if (!Number.isFinite(f.timestamp[t]!) || (t > 0 && !(f.timestamp[t]! > f.timestamp[t - 1]!))) throw new RangeError(`${source}: row ${t}: timestamp ${f.timestamp[t]} is not finite and strictly increasing`);
    checkRow(rowAt(f, t), false, `${source}: row ${t}`);
  }
}

/**
 * Checks one live row (the checks of {@link validateFrame} for a single row).
 * @throws RangeError naming the field and the row's timestamp.
 */
export function checkRow(r: MarketRow, needBook = false, where = `row at ${r.timestamp}`): void {
  const at = where;
  if (!Number.isFinite(r.timestamp)) throw new RangeError(`row: timestamp ${r.timestamp} is not finite`);
  if (!(r.bid_price > 0) || !(r.ask_price > 0) || !(r.bid_price < r.ask_price)) throw new RangeError(`${at}: bid_price ${r.bid_price} / ask_price ${r.ask_price} must be positive with bid < ask`);
  if (!(r.bid_volume > 0) || !(r.ask_volume > 0)) throw new RangeError(`${at}: bid_volume / ask_volume must be > 0 (got ${r.bid_volume}, ${r.ask_volume})`);
  if (!(r.close > 0)) throw new RangeError(`${at}: close ${r.close} must be > 0`);
  if (!(r.volume >= 0)) throw new RangeError(`${at}: volume ${r.volume} must be >= 0`);
  if (r.buy_volume !== undefined && !(r.buy_volume >= 0 && r.buy_volume <= r.volume)) throw new RangeError(`${at}: buy_volume ${r.buy_volume} must lie in [0, volume ${r.volume}]`);
  if (needBook && !r.book) throw new RangeError(`${at}: the feature set has book features but the row has no book`);
}

/** Row `t` of a frame as a {@link MarketRow} (the book as subarray views, no copy). */
export function rowAt(f: MarketFrame, t: number): MarketRow {
  const row: MarketRow = {
    timestamp: f.timestamp[t]!, bid_price: f.bidPrice[t]!, ask_price: f.askPrice[t]!, bid_volume: f.bidVolume[t]!,
    ask_volume: f.askVolume[t]!, close: f.close[t]!, volume: f.volume[t]!,
  };
  if (f.buyVolume) row.buy_volume = f.buyVolume[t]!;
  if (f.book) {
    const o = t * BOOK_LEVELS, e = o + BOOK_LEVELS;
    row.book = { bidPrice: f.book.bidPrice.subarray(o, e), bidSize: f.book.bidSize.subarray(o, e), askPrice: f.book.askPrice.subarray(o, e), askSize: f.book.askSize.subarray(o, e) };
  }
  return row;
}

/**
 * Rows -> frame. Taker-buy volume is kept only when every row has it; the
 * book only when every row has one.
 * @throws RangeError (via {@link validateFrame}) for bad values, naming the row.
 */
export function frameFromRows(rows: readonly MarketRow[]): MarketFrame {
  const T = rows.length;
  const col = () => new Float64Array(T);
  const f: MarketFrame = {
    timestamp: col(), bidPrice: col(), askPrice: col(), bidVolume: col(), askVolume: col(), close: col(), volume: col(),
    buyVolume: T > 0 && rows.every((r) => r.buy_volume !== undefined) ? col() : null,
    book: T > 0 && rows.every((r) => r.book) ? { bidPrice: new Float64Array(T * BOOK_LEVELS), bidSize: new Float64Array(T * BOOK_LEVELS), askPrice: new Float64Array(T * BOOK_LEVELS), askSize: new Float64Array(T * BOOK_LEVELS) } : null,
  };
  rows.forEach((r, t) => {
    f.timestamp[t] = r.timestamp;
    f.bidPrice[t] = r.bid_price;
    f.askPrice[t] = r.ask_price;
    f.bidVolume[t] = r.bid_volume;
    f.askVolume[t] = r.ask_volume;
    f.close[t] = r.close;
    f.volume[t] = r.volume;
    if (f.buyVolume) f.buyVolume[t] = r.buy_volume!;
    if (f.book) for (const k of ['bidPrice', 'bidSize', 'askPrice', 'askSize'] as const) for (let l = 0; l < BOOK_LEVELS; l++) f.book[k][t * BOOK_LEVELS + l] = r.book![k][l]!;
  });
  validateFrame(f, 'frameFromRows');
  return f;
}

/** Rows [start, end) of a frame (copies). */
export function sliceFrame(f: MarketFrame, start: number, end: number): MarketFrame {
  const s = (a: Float64Array) => a.slice(start, end);
  const L = BOOK_LEVELS;
  return {
    timestamp: s(f.timestamp), bidPrice: s(f.bidPrice), askPrice: s(f.askPrice), bidVolume: s(f.bidVolume), askVolume: s(f.askVolume),
    close: s(f.close), volume: s(f.volume), buyVolume: f.buyVolume ? s(f.buyVolume) : null,
    book: f.book ? { bidPrice: f.book.bidPrice.slice(start * L, end * L), bidSize: f.book.bidSize.slice(start * L, end * L), askPrice: f.book.askPrice.slice(start * L, end * L), askSize: f.book.askSize.slice(start * L, end * L) } : null,
  };
}

/** Options of {@link loadLobster}. */
export interface LobsterOptions {
  /** Sampling interval in ms (default 1000); 0 = one row per message (event time). */
  intervalMs?: number;
  /** Trading date of the file, `YYYY-MM-DD` (default taken from a `_YYYY-MM-DD_` part of the file name). */
  date?: string;
  /** UTC offset of the exchange clock in hours (default -4: US/Eastern daylight time, right for NASDAQ in June). */
  utcOffsetHours?: number;
}

/**
 * Reads a LOBSTER message + book CSV (`.csv` or `.csv.gz`, header
 * `secs_after_midnight,event_type,order_id,size,price,direction,ask_price_1,ask_size_1,bid_price_1,bid_size_1[,... level 10]`,
 * prices in USD) and samples it onto a grid: the row for interval
 * [k, k+1) x interval is stamped at its end and holds the book after the last
 * message before the end, `volume` = executed size (event types 4 and 5)
 * inside the interval, `buy_volume` = executions of sell limit orders
 * (direction -1: buyer-initiated, LOBSTER's convention), `close` = last
 * execution price so far. Rows start at the first interval that holds a
 * trade (before it `close` is undefined); intervals are kept when nothing
 * happened in them (volume 0, book unchanged), so the grid has no gaps.
 * Source: LOBSTER file format, https://lobsterdata.com/info/DataStructure.php.
 * @throws Error naming the file and line for a malformed row or a crossed / empty book.
 */
export function loadLobster(path: string, opts: LobsterOptions = {}): MarketFrame {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const idx = (n: string) => {
    const i = header.indexOf(n);
    if (i < 0) throw new Error(`${path}: header has no column "${n}"`);
    return i;
  };
  const iTime = idx('secs_after_midnight'), iType = idx('event_type'), iSize = idx('size'), iPrice = idx('price'), iDir = idx('direction');
  const levels = header.includes(`ask_price_${BOOK_LEVELS}`) ? BOOK_LEVELS : 1;
  const lv = Array.from({ length: levels }, (_, l) => [idx(`ask_price_${l + 1}`), idx(`ask_size_${l + 1}`), idx(`bid_price_${l + 1}`), idx(`bid_size_${l + 1}`)] as const);
  const date = opts.date ?? /_(\d{4}-\d{2}-\d{2})_/.exec(path)?.[1];
  if (!date) throw new Error(`${path}: no trading date in the file name; pass opts.date`);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const midnightUtc = Date.UTC(y, m - 1, d) - (opts.utcOffsetHours ?? -4) * 3_600_000;
  const interval = opts.intervalMs ?? 1000;
  if (!(interval >= 0)) throw new RangeError(`loadLobster: intervalMs must be >= 0, got ${interval}`);

  const rows: MarketRow[] = [];
  let lastTrade = NaN;
  let vol = 0, buy = 0;
  let cur: MarketRow | null = null; // book state after the latest message
  let bucketEnd = NaN;
  const emit = (ts: number) => {
    if (cur && lastTrade > 0) rows.push({ ...cur, timestamp: ts, close: lastTrade, volume: vol, buy_volume: buy });
    vol = 0;
    buy = 0;
  };
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i]!.split(',');
    const ms = midnightUtc + Number(c[iTime]) * 1000;
    if (!Number.isFinite(ms)) throw new Error(`${path}: line ${i + 1}: bad secs_after_midnight "${c[iTime]}"`);
    if (interval > 0) {
      const end = (Math.floor((ms - midnightUtc) / interval) + 1) * interval + midnightUtc;
      if (Number.isNaN(bucketEnd)) bucketEnd = end;
      while (end > bucketEnd) {
        emit(bucketEnd);
        bucketEnd += interval;
      }
    }
    const type = Number(c[iType]);
    if (type === 4 || type === 5) {
      const size = Number(c[iSize]), price = Number(c[iPrice]);
      if (!(size > 0) || !(price > 0)) throw new Error(`${path}: line ${i + 1}: execution with size ${c[iSize]} / price ${c[iPrice]}`);
      vol += size;
      if (Number(c[iDir]) === -1) buy += size;
      lastTrade = price;
    }
    const num = (j: number) => Number(c[j]);
    const [ap, as, bp, bs] = lv[0]!;
    if (!(num(bp) > 0 && num(ap) > num(bp) && num(as) > 0 && num(bs) > 0)) throw new Error(`${path}: line ${i + 1}: empty or crossed best quotes (bid ${c[bp]} x ${c[bs]}, ask ${c[ap]} x ${c[as]})`);
    cur = { timestamp: ms, bid_price: num(bp), ask_price: num(ap), bid_volume: num(bs), ask_volume: num(as), close: lastTrade, volume: 0 };
    if (levels === BOOK_LEVELS) {
      const book = { bidPrice: new Float64Array(levels), bidSize: new Float64Array(levels), askPrice: new Float64Array(levels), askSize: new Float64Array(levels) };
      lv.forEach(([a1, a2, b1, b2], l) => {
        book.askPrice[l] = num(a1);
        book.askSize[l] = num(a2);
        book.bidPrice[l] = num(b1);
        book.bidSize[l] = num(b2);
      });
      cur.book = book;
    }
    if (interval === 0) {
      // Event time: rows at distinct timestamps (messages sharing a nanosecond stamp merge into one row).
      if (rows.length && rows[rows.length - 1]!.timestamp >= ms) {
        const prev = rows.pop()!;
        vol += prev.volume;
        buy += prev.buy_volume!;
      }
      emit(ms);
    }
  }
  if (interval > 0 && !Number.isNaN(bucketEnd)) emit(bucketEnd);
  return frameFromRows(rows);
}

/**
 * Reads rows in the seed's format from a CSV (`.csv` / `.csv.gz`) with header columns
 * `timestamp, bid_price, ask_price, bid_volume, ask_volume, close, volume` (any order;
 * optional `buy_volume`; `timestamp` as epoch ms or an ISO 8601 string).
 * @throws Error naming the file, line and column of a missing column or an unparseable value; RangeError from {@link validateFrame}.
 */
export function loadMarketCsv(path: string): MarketFrame {
  const raw = readFileSync(path);
  const lines = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(',').map((h) => h.trim());
  const need = ['timestamp', 'bid_price', 'ask_price', 'bid_volume', 'ask_volume', 'close', 'volume'] as const;
  const at = Object.fromEntries(need.map((n) => [n, header.indexOf(n)])) as Record<(typeof need)[number], number>;
  for (const n of need) if (at[n] < 0) throw new Error(`${path}: header has no column "${n}" (found: ${header.join(', ')})`);
  const iBuy = header.indexOf('buy_volume');
  const rows: MarketRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i]!.split(',');
    const num = (n: string, j: number) => {
      const v = Number(c[j]);
      if (c[j] === undefined || c[j]!.trim() === '' || !Number.isFinite(v)) throw new Error(`${path}: line ${i + 1}: ${n} "${c[j] ?? ''}" is not a number`);
      return v;
    };
    const tsText = c[at.timestamp] ?? '';
    const ts = /^\d+(\.\d+)?$/.test(tsText.trim()) ? Number(tsText) : Date.parse(tsText.includes('T') || tsText.endsWith('Z') ? tsText : `${tsText.replace(' ', 'T')}Z`);
    if (!Number.isFinite(ts)) throw new Error(`${path}: line ${i + 1}: timestamp "${tsText}" is neither epoch ms nor an ISO date`);
    const r: MarketRow = {
      timestamp: ts, bid_price: num('bid_price', at.bid_price), ask_price: num('ask_price', at.ask_price), bid_volume: num('bid_volume', at.bid_volume),
      ask_volume: num('ask_volume', at.ask_volume), close: num('close', at.close), volume: num('volume', at.volume),
    };
    if (iBuy >= 0) r.buy_volume = num('buy_volume', iBuy);
    rows.push(r);
  }
  try {
    return frameFromRows(rows);
  } catch (err) {
    throw new RangeError(`${path}: ${(err as Error).message} (row numbers count data rows from 0)`);
  }
}

/** The bundled default sample of the ML engine (AMZN LOBSTER level 1, relative to the project root). */
export const DEFAULT_ML_SAMPLE = 'data/samples/lob_lobster_AMZN_2012-06-21_L1_messages_book.csv.gz';

/**
 * Loads market rows from a file: LOBSTER message + book files (name containing `lobster`) through
 * {@link loadLobster} (event time unless `intervalMs` is given), anything else as the seed's CSV format.
 */
export function loadMarketData(path: string, opts: LobsterOptions = {}): MarketFrame {
  if (/lobster/i.test(path)) return loadLobster(path, { intervalMs: 0, ...opts });
  return loadMarketCsv(path);
}
