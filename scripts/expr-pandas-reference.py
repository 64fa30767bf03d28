#!/usr/bin/python3
"""The pandas/numpy side of `npm run bench:expr -- --vs-pandas`.

Evaluates the same formulas as the engine, written with pandas/numpy
operations on a dates x assets DataFrame (one column per asset): rolling
windows with `DataFrame.rolling` (strict: min_periods = window), cross-
sectional ranks with `DataFrame.rank(axis=1)`, windowed argmax/product with
numpy's `sliding_window_view` (vectorized; `rolling().apply` would be far
slower), ts_rank with `rolling().rank()` (pandas >= 1.4).

The formulas arrive as the engine's canonical ASTs (JSON, written by
scripts/bench-expr.ts), so both sides evaluate exactly the same formula
trees; shared subexpressions within one alpha are computed once (as the
engine does).

Input: a folder with meta.json ({"T", "N", "fields": [...], "alphas":
{name: ast}}) and one <field>.f64 file per panel field (float64, little
endian, date-major T x N). Output: one JSON line per alpha on stdout
({"name", "wall_ms", "cpu_ms", "error"?}); with --out DIR also each result
as DIR/<name>.f64 (date-major) so the caller can check the values agree.

Run by the benchmark with Debian's /usr/bin/python3 (python3-pandas 1.5.3);
not a project dependency.
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

warnings.filterwarnings("ignore")
np.seterr(all="ignore")


def clean(df):
    """The engine's invariant: no infinities (non-finite -> NaN)."""
    if isinstance(df, pd.DataFrame):
        return df.replace([np.inf, -np.inf], np.nan)
    return df if np.isfinite(df) else np.nan


def notna(a):
    return a.notna() if isinstance(a, pd.DataFrame) else (not np.isnan(a))


def compare(a, b, f):
    r = f(a, b).astype(float) if isinstance(f(a, b), pd.DataFrame) else float(f(a, b))
    mask = notna(a) & notna(b)
    return r.where(mask) if isinstance(r, pd.DataFrame) else r


def window_view(df, d):
    """(T - d + 1) x N x d windows of the values (no copy)."""
    return sliding_window_view(df.to_numpy(), d, axis=0)


def from_windows(df, d, vals):
    out = np.full(df.shape, np.nan)
    out[d - 1:] = vals
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def ts_arg(df, d, fn):
    w = window_view(df, d)[..., ::-1]  # newest first: the first extreme is the most recent (ties go to it)
    v = fn(np.nan_to_num(w, nan=0.0), axis=-1).astype(float)
    v[np.isnan(w).any(axis=-1)] = np.nan
    return from_windows(df, d, v)


def cs_rank(df):
    r = df.rank(axis=1, method="average")
    n = df.count(axis=1)
    u = r.sub(1).div(n - 1, axis=0)
    return u.where(~(n == 1).to_numpy()[:, None] | df.isna(), 0.5)


def decay_linear(df, d):
    acc = df * d
    for i in range(1, d):
        acc = acc + df.shift(i) * (d - i)
    return acc / (d * (d + 1) / 2)


OPS = {
    "add": lambda a, b: clean(a + b),
    "sub": lambda a, b: clean(a - b),
    "mul": lambda a, b: clean(a * b),
    "div": lambda a, b: clean(a / b),
    "pow": lambda a, b: clean(a ** b),
    "signed_power": lambda a, b: clean(np.sign(a) * np.abs(a) ** b),
    "neg": lambda a: -a,
    "abs": lambda a: np.abs(a),
    "log": lambda a: clean(np.log(a.where(a > 0))),
    "sqrt": lambda a: clean(np.sqrt(a)),
    "exp": lambda a: clean(np.exp(a)),
    "sign": lambda a: np.sign(a),
    "lt": lambda a, b: compare(a, b, lambda x, y: x < y),
    "le": lambda a, b: compare(a, b, lambda x, y: x <= y),
    "gt": lambda a, b: compare(a, b, lambda x, y: x > y),
    "ge": lambda a, b: compare(a, b, lambda x, y: x >= y),
    "eq": lambda a, b: compare(a, b, lambda x, y: x == y),
    "ne": lambda a, b: compare(a, b, lambda x, y: x != y),
    "and": lambda a, b: compare(a, b, lambda x, y: (x != 0) & (y != 0)),
    "or": lambda a, b: compare(a, b, lambda x, y: (x != 0) | (y != 0)),
    "min": lambda a, b: np.minimum(a, b),
    "max": lambda a, b: np.maximum(a, b),
    "if_else": lambda c, a, b: pd.DataFrame(np.where(c != 0, a, b), index=c.index, columns=c.columns).where(c.notna()),
    "rank": cs_rank,
    "scale": lambda x, a=1.0: clean(x.mul(a).div(x.abs().sum(axis=1), axis=0)),
    "zscore": lambda x: clean(x.sub(x.mean(axis=1), axis=0).div(x.std(axis=1, ddof=0), axis=0)),
    "delay": lambda x, d: x.shift(int(d)),
    "delta": lambda x, d: clean(x.diff(int(d))),
    "ts_sum": lambda x, d: x.rolling(int(d)).sum(),
    "ts_mean": lambda x, d: x.rolling(int(d)).mean(),
    "ts_std": lambda x, d: x.rolling(int(d)).std(),
    "ts_min": lambda x, d: x.rolling(int(d)).min(),
    "ts_max": lambda x, d: x.rolling(int(d)).max(),
    "ts_argmax": lambda x, d: ts_arg(x, int(d), np.argmax),
    "ts_argmin": lambda x, d: ts_arg(x, int(d), np.argmin),
    "ts_rank": lambda x, d: (x.rolling(int(d)).rank() - 1) / (int(d) - 1) if int(d) > 1 else x * 0 + 0.5,
    "ts_product": lambda x, d: from_windows(x, int(d), window_view(x, int(d)).prod(axis=-1)),
    "decay_linear": lambda x, d: decay_linear(x, int(d)),
    "ts_corr": lambda x, y, d: clean(x.rolling(int(d)).corr(y)),
    "ts_cov": lambda x, y, d: x.rolling(int(d)).cov(y),
}


def evaluate(ast, fields, memo):
    key = json.dumps(ast, sort_keys=True)
    if key in memo:
        return memo[key]
    t = ast["type"]
    if t == "number":
        v = float(ast["value"])
    elif t == "field":
        name = ast["name"]
        if name in fields:
            v = fields[name]
        elif name == "returns":
            c = fields["close"]
            v = clean(c / c.shift(1) - 1)
        elif name == "vwap":
            v = (fields["high"] + fields["low"] + fields["close"]) / 3
        elif name.startswith("adv"):
            v = fields["volume"].rolling(int(name[3:])).mean()
        else:
            raise KeyError(name)
    else:
        op = OPS.get(ast["op"])
        if op is None:
            raise NotImplementedError(ast["op"])
        v = op(*[evaluate(a, fields, memo) for a in ast["args"]])
    memo[key] = v
    return v


def main():
    src = sys.argv[1]
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
    with open(os.path.join(src, "meta.json")) as f:
        meta = json.load(f)
    T, N = meta["T"], meta["N"]
    fields = {
        name: pd.DataFrame(np.fromfile(os.path.join(src, name + ".f64"), dtype="<f8").reshape(T, N))
        for name in meta["fields"]
    }
    alphas = meta["alphas"]
    # a warm-up pass on the first 300 dates (code paths, caches), then the timed pass on the panel
    warm = {k: v.iloc[:300] for k, v in fields.items()}
    for rep in range(2):
        for name, ast in alphas.items():
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                res = evaluate(ast, warm if rep == 0 else fields, {})
                if not isinstance(res, pd.DataFrame):
                    res = pd.DataFrame(np.full((T, N), res))
                elif rep == 1 and res.shape != (T, N):
                    raise ValueError(f"result shape {res.shape}")
                err = None
            except Exception as e:  # noqa: BLE001 (reported per alpha)
                res, err = None, f"{type(e).__name__}: {e}"
            wall, cpu = (time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000
            if rep == 0:
                continue
            row = {"name": name, "wall_ms": wall, "cpu_ms": cpu}
            if err:
                row["error"] = err
            elif out:
                np.ascontiguousarray(res.to_numpy(dtype="<f8")).tofile(os.path.join(out, name + ".f64"))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
