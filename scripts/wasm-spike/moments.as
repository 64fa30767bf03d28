// AssemblyScript source (compiled by scripts/wasm-spike/build.sh, not by tsc):
// the expression engine's rolling second moments (lib/expr/kernels.ts
// rollingMoments, modes Std / Cov / Corr) and two element-wise ops, as a
// scalar port and as an f64x2 SIMD version over pairs of adjacent assets.
// Every per-cell floating-point operation is the one of the JS kernel, in the
// same order: IEEE add/sub/mul/div/sqrt are exactly rounded, so each SIMD lane
// gives the scalar bits. Pointers are byte offsets into linear memory; arrays
// are dates x assets, date-major (x[t * N + a]).

// modes: 0 std, 1 cov, 2 corr
const STD: i32 = 0;
const COV: i32 = 1;
const CORR: i32 = 2;

@inline function ld(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function st(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }

/** Scalar port of rollingMoments for one asset `a` (the JS code, line for line). */
function momentsAsset(xp: usize, yp: usize, outp: usize, T: i32, N: i32, d: i32, mode: i32, a: i32): void {
  const single = mode == STD;
  const fd = <f64>d;
  let kx = 0.0, ky = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0;
  let nan: i32 = 0, rx: i32 = 0, ry: i32 = 0;
  let px = NaN, py = NaN;
  let phase: i32 = 0;
  for (let t: i32 = 0, i: i32 = a; t < T; t++, i += N, phase = phase + 1 == d ? 0 : phase + 1) {
    const vx = ld(xp, i);
    rx = vx != vx ? 0 : t > 0 && vx == px ? rx + 1 : 1;
    px = vx;
    let vy = vx;
    if (!single) {
      vy = ld(yp, i);
      ry = vy != vy ? 0 : t > 0 && vy == py ? ry + 1 : 1;
      py = vy;
    }
    if (phase == 0) {
      const t0 = t - d + 1 > 0 ? t - d + 1 : 0;
      kx = NaN; ky = NaN;
      for (let u = t, j = i; u >= t0; u--, j -= N) { const wx = ld(xp, j), wy = ld(yp, j); if (wx == wx && wy == wy) { kx = wx; ky = wy; break; } }
      if (kx != kx) { kx = 0; ky = 0; }
      sx = 0; sy = 0; sxx = 0; syy = 0; sxy = 0; nan = 0;
      if (single) {
        for (let j = t0 * N + a; j <= i; j += N) { const wx = ld(xp, j); if (wx == wx) { const dx = wx - kx; sx += dx; sxx += dx * dx; } else nan++; }
      } else {
        for (let j = t0 * N + a; j <= i; j += N) {
          const wx = ld(xp, j), wy = ld(yp, j);
          if (wx == wx && wy == wy) { const dx = wx - kx, dy = wy - ky; sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy; } else nan++;
        }
      }
    } else if (single) {
      if (vx == vx) { const dx = vx - kx; sx += dx; sxx += dx * dx; } else nan++;
      if (t >= d) {
        const ox = ld(xp, i - d * N);
        if (ox == ox) {
          const dx = ox - kx;
          sx -= dx; sxx -= dx * dx;
          if (dx * dx > 1e3 * sxx) {
            sx = 0; sxx = 0;
            for (let u = t - d + 1; u <= t; u++) { const vv = ld(xp, u * N + a); if (vv == vv) { const ex = vv - kx; sx += ex; sxx += ex * ex; } }
          }
        } else nan--;
      }
    } else {
      if (vx == vx && vy == vy) {
        const dx = vx - kx, dy = vy - ky;
        sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
      } else nan++;
      if (t >= d) {
        const ox = ld(xp, i - d * N), oy = ld(yp, i - d * N);
        if (ox == ox && oy == oy) {
          const dx = ox - kx, dy = oy - ky;
          sx -= dx; sy -= dy; sxx -= dx * dx; syy -= dy * dy; sxy -= dx * dy;
          if (dx * dx > 1e3 * sxx || dy * dy > 1e3 * syy) {
            sx = 0; sy = 0; sxx = 0; syy = 0; sxy = 0;
            for (let u = t - d + 1; u <= t; u++) {
              const wx = ld(xp, u * N + a), wy = ld(yp, u * N + a);
              if (wx == wx && wy == wy) { const ex = wx - kx, ey = wy - ky; sx += ex; sy += ey; sxx += ex * ex; syy += ey * ey; sxy += ex * ey; }
            }
          }
        } else nan--;
      }
    }
    if (t < d - 1 || nan != 0) { st(outp, i, NaN); continue; }
    const cx = rx >= d, cy = ry >= d;
    let v: f64;
    if (mode == STD) {
      const q = (sxx - (sx * sx) / fd) / (fd - 1);
      v = cx || !(q > 0) ? 0 : Math.sqrt(q);
    } else if (mode == COV) {
      v = cx || cy ? 0 : (sxy - (sx * sy) / fd) / (fd - 1);
    } else {
      const qx = sxx - (sx * sx) / fd, qy = syy - (sy * sy) / fd;
      if (cx || cy || !(qx > 0 && qy > 0)) { v = NaN; }
      else {
        v = (sxy - (sx * sy) / fd) / Math.sqrt(qx * qy);
        v = v > 1 ? 1 : v < -1 ? -1 : v;
      }
    }
    st(outp, i, v - v == 0 ? v : NaN);
  }
}

/** Scalar rolling std (mode 0) / cov (1) / corr (2) over all assets; d >= 2 (the JS wrapper handles d < 2). */
export function momentsScalar(xp: usize, yp: usize, outp: usize, T: i32, N: i32, d: i32, mode: i32): void {
  for (let a: i32 = 0; a < N; a++) momentsAsset(xp, yp, outp, T, N, d, mode, a);
}

@inline function ldv(p: usize, i: i32): v128 { return v128.load(p + (<usize>i << 3)); }
@inline function stv(p: usize, i: i32, v: v128): void { v128.store(p + (<usize>i << 3), v); }

/** Exact recomputation of one lane's window sums (the cancellation guard), returning the lane's 5 sums in `g`. */
function guardLane(xp: usize, yp: usize, N: i32, t: i32, d: i32, a: i32, kx: f64, ky: f64, single: bool, g: usize): void {
  let sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0;
  if (single) {
    for (let u = t - d + 1; u <= t; u++) { const vv = ld(xp, u * N + a); if (vv == vv) { const ex = vv - kx; sx += ex; sxx += ex * ex; } }
  } else {
    for (let u = t - d + 1; u <= t; u++) {
      const wx = ld(xp, u * N + a), wy = ld(yp, u * N + a);
      if (wx == wx && wy == wy) { const ex = wx - kx, ey = wy - ky; sx += ex; sy += ey; sxx += ex * ex; syy += ey * ey; sxy += ex * ey; }
    }
  }
  store<f64>(g, sx); store<f64>(g, sy, 8); store<f64>(g, sxx, 16); store<f64>(g, syy, 24); store<f64>(g, sxy, 32);
}

// scratch for guardLane (5 f64), below the data region the host uses (host data starts at 1024)
const G: usize = 64;

/**
 * SIMD rolling std / cov / corr: assets a, a+1 in the two f64x2 lanes. A lane
 * whose input is missing adds +0 instead of skipping the add (x + 0 = x
 * exactly since the sums are never -0: they start at +0 and IEEE gives -0 only
 * for -0 + -0 or -0 - +0), so both lanes follow one control flow; the only
 * lane-dependent branch, the cancellation guard, runs the scalar recomputation
 * for the lane(s) that need it. An odd last asset runs the scalar port.
 */
export function momentsSimd(xp: usize, yp: usize, outp: usize, T: i32, N: i32, d: i32, mode: i32): void {
  momentsSimdFrom(xp, yp, outp, T, N, d, mode, 0);
}

/** momentsSimd over assets a0 .. N - 1. */
function momentsSimdFrom(xp: usize, yp: usize, outp: usize, T: i32, N: i32, d: i32, mode: i32, a0: i32): void {
  const single = mode == STD;
  const fd = <f64>d;
  const D = f64x2.splat(fd), D1 = f64x2.splat(fd - 1);
  const ZERO = f64x2.splat(0), ONE = f64x2.splat(1), MONE = f64x2.splat(-1), NANV = f64x2.splat(NaN), K3 = f64x2.splat(1e3);
  let a: i32 = a0;
  for (; a + 1 < N; a += 2) {
    let kx = ZERO, ky = ZERO, sx = ZERO, sy = ZERO, sxx = ZERO, syy = ZERO, sxy = ZERO;
    let nan = ZERO, rx = ZERO, ry = ZERO;
    let px = NANV, py = NANV;
    let phase: i32 = 0;
    for (let t: i32 = 0, i: i32 = a; t < T; t++, i += N, phase = phase + 1 == d ? 0 : phase + 1) {
      const vx = ldv(xp, i);
      // run lengths: eq with the previous value (NaN previous -> false, so t = 0 needs no test)
      const okx = f64x2.eq(vx, vx);
      rx = v128.bitselect(f64x2.add(rx, ONE), v128.and(ONE, okx), f64x2.eq(vx, px));
      px = vx;
      let vy = vx, both = okx;
      if (!single) {
        vy = ldv(yp, i);
        const oky = f64x2.eq(vy, vy);
        ry = v128.bitselect(f64x2.add(ry, ONE), v128.and(ONE, oky), f64x2.eq(vy, py));
        py = vy;
        both = v128.and(okx, oky);
      }
      if (phase == 0) {
        const t0 = t - d + 1 > 0 ? t - d + 1 : 0;
        // shift references: the most recent bar of the window where x and y are both present, per lane (0 if none)
        let found = f64x2.splat(0);
        kx = ZERO; ky = ZERO;
        for (let u = t, j = i; u >= t0; u--, j -= N) {
          const wx = ldv(xp, j), wy = ldv(yp, j);
          const ok = v128.and(f64x2.eq(wx, wx), f64x2.eq(wy, wy));
          const fresh = v128.andnot(ok, found);
          kx = v128.bitselect(wx, kx, fresh); ky = v128.bitselect(wy, ky, fresh);
          found = v128.or(found, ok);
          if (i64x2.all_true(found)) break;
        }
        sx = ZERO; sy = ZERO; sxx = ZERO; syy = ZERO; sxy = ZERO; nan = ZERO;
        if (single) {
          for (let j = t0 * N + a; j <= i; j += N) {
            const wx = ldv(xp, j);
            const ok = f64x2.eq(wx, wx);
            const dx = v128.and(f64x2.sub(wx, kx), ok);
            sx = f64x2.add(sx, dx); sxx = f64x2.add(sxx, f64x2.mul(dx, dx));
            nan = f64x2.add(nan, v128.andnot(ONE, ok));
          }
        } else {
          for (let j = t0 * N + a; j <= i; j += N) {
            const wx = ldv(xp, j), wy = ldv(yp, j);
            const ok = v128.and(f64x2.eq(wx, wx), f64x2.eq(wy, wy));
            const dx = v128.and(f64x2.sub(wx, kx), ok), dy = v128.and(f64x2.sub(wy, ky), ok);
            sx = f64x2.add(sx, dx); sy = f64x2.add(sy, dy);
            sxx = f64x2.add(sxx, f64x2.mul(dx, dx)); syy = f64x2.add(syy, f64x2.mul(dy, dy)); sxy = f64x2.add(sxy, f64x2.mul(dx, dy));
            nan = f64x2.add(nan, v128.andnot(ONE, ok));
          }
        }
      } else {
        const dx = v128.and(f64x2.sub(vx, kx), both);
        sx = f64x2.add(sx, dx); sxx = f64x2.add(sxx, f64x2.mul(dx, dx));
        let dy = ZERO;
        if (!single) {
          dy = v128.and(f64x2.sub(vy, ky), both);
          sy = f64x2.add(sy, dy); syy = f64x2.add(syy, f64x2.mul(dy, dy)); sxy = f64x2.add(sxy, f64x2.mul(dx, dy));
        }
        nan = f64x2.add(nan, v128.andnot(ONE, both));
        if (t >= d) {
          const ox = ldv(xp, i - d * N);
          let oboth = f64x2.eq(ox, ox);
          let oy = ox;
          if (!single) { oy = ldv(yp, i - d * N); oboth = v128.and(oboth, f64x2.eq(oy, oy)); }
          const ex = v128.and(f64x2.sub(ox, kx), oboth);
          const ex2 = f64x2.mul(ex, ex);
          sx = f64x2.sub(sx, ex); sxx = f64x2.sub(sxx, ex2);
          let guard = f64x2.gt(ex2, f64x2.mul(K3, sxx));
          if (!single) {
            const ey = v128.and(f64x2.sub(oy, ky), oboth);
            const ey2 = f64x2.mul(ey, ey);
            sy = f64x2.sub(sy, ey); syy = f64x2.sub(syy, ey2); sxy = f64x2.sub(sxy, f64x2.mul(ex, ey));
            guard = v128.or(guard, f64x2.gt(ey2, f64x2.mul(K3, syy)));
          }
          nan = f64x2.sub(nan, v128.andnot(ONE, oboth));
          guard = v128.and(guard, oboth);
          if (v128.any_true(guard)) {
            if (i64x2.extract_lane(guard, 0) != 0) {
              guardLane(xp, yp, N, t, d, a, f64x2.extract_lane(kx, 0), f64x2.extract_lane(ky, 0), single, G);
              sx = f64x2.replace_lane(sx, 0, load<f64>(G)); sy = f64x2.replace_lane(sy, 0, load<f64>(G, 8));
              sxx = f64x2.replace_lane(sxx, 0, load<f64>(G, 16)); syy = f64x2.replace_lane(syy, 0, load<f64>(G, 24));
              sxy = f64x2.replace_lane(sxy, 0, load<f64>(G, 32));
            }
            if (i64x2.extract_lane(guard, 1) != 0) {
              guardLane(xp, yp, N, t, d, a + 1, f64x2.extract_lane(kx, 1), f64x2.extract_lane(ky, 1), single, G);
              sx = f64x2.replace_lane(sx, 1, load<f64>(G)); sy = f64x2.replace_lane(sy, 1, load<f64>(G, 8));
              sxx = f64x2.replace_lane(sxx, 1, load<f64>(G, 16)); syy = f64x2.replace_lane(syy, 1, load<f64>(G, 24));
              sxy = f64x2.replace_lane(sxy, 1, load<f64>(G, 32));
            }
          }
        }
      }
      if (t < d - 1) { stv(outp, i, NANV); continue; }
      const cx = f64x2.ge(rx, D);
      let v: v128;
      if (mode == STD) {
        const q = f64x2.div(f64x2.sub(sxx, f64x2.div(f64x2.mul(sx, sx), D)), D1);
        // !(q > 0) or constant window -> 0
        v = v128.and(f64x2.sqrt(q), v128.andnot(f64x2.gt(q, ZERO), cx));
      } else if (mode == COV) {
        const cy = f64x2.ge(ry, D);
        v = v128.andnot(f64x2.div(f64x2.sub(sxy, f64x2.div(f64x2.mul(sx, sy), D)), D1), v128.or(cx, cy));
      } else {
        const cy = f64x2.ge(ry, D);
        const qx = f64x2.sub(sxx, f64x2.div(f64x2.mul(sx, sx), D)), qy = f64x2.sub(syy, f64x2.div(f64x2.mul(sy, sy), D));
        const good = v128.andnot(v128.and(f64x2.gt(qx, ZERO), f64x2.gt(qy, ZERO)), v128.or(cx, cy));
        let r = f64x2.div(f64x2.sub(sxy, f64x2.div(f64x2.mul(sx, sy), D)), f64x2.sqrt(f64x2.mul(qx, qy)));
        r = v128.bitselect(ONE, v128.bitselect(MONE, r, f64x2.lt(r, MONE)), f64x2.gt(r, ONE));
        v = v128.bitselect(r, NANV, good);
      }
      // non-finite -> NaN; a window holding a NaN -> NaN
      const keep = v128.and(f64x2.eq(f64x2.sub(v, v), ZERO), f64x2.eq(nan, ZERO));
      stv(outp, i, v128.bitselect(v, NANV, keep));
    }
  }
  if (a < N) momentsAsset(xp, yp, outp, T, N, d, mode, a);
}

// per-pair state of momentsSimdBlock: 12 v128 (kx ky sx sy sxx syy sxy nan rx ry px py), from byte 128
const SB: usize = 128;
const SB_STRIDE: usize = 192;

/**
 * momentsSimd with a block of B pairs (2B adjacent assets) advanced date by
 * date (dates outer, pairs inner), so each date reads 2B contiguous values and
 * B independent dependency chains overlap; each pair's state is kept in a
 * scratch area of linear memory between dates. Same per-lane arithmetic as
 * momentsSimd. 2B must be < N; the assets left after the last full block run
 * through momentsSimd's pair loop / the scalar port. B <= 4.
 */
export function momentsSimdBlock(xp: usize, yp: usize, outp: usize, T: i32, N: i32, d: i32, mode: i32, B: i32): void {
  const single = mode == STD;
  const fd = <f64>d;
  const D = f64x2.splat(fd), D1 = f64x2.splat(fd - 1);
  const ZERO = f64x2.splat(0), ONE = f64x2.splat(1), MONE = f64x2.splat(-1), NANV = f64x2.splat(NaN), K3 = f64x2.splat(1e3);
  let a0: i32 = 0;
  for (; a0 + 2 * B <= N; a0 += 2 * B) {
    for (let p: i32 = 0; p < B; p++) {
      const s = SB + <usize>p * SB_STRIDE;
      v128.store(s, ZERO, 0);
      v128.store(s, ZERO, 16);
      v128.store(s, ZERO, 32);
      v128.store(s, ZERO, 48);
      v128.store(s, ZERO, 64);
      v128.store(s, ZERO, 80);
      v128.store(s, ZERO, 96);
      v128.store(s, ZERO, 112);
      v128.store(s, ZERO, 128);
      v128.store(s, ZERO, 144);
      v128.store(s, NANV, 160);
      v128.store(s, NANV, 176);
    }
    let phase: i32 = 0;
    for (let t: i32 = 0; t < T; t++, phase = phase + 1 == d ? 0 : phase + 1) {
      for (let p: i32 = 0; p < B; p++) {
        const s = SB + <usize>p * SB_STRIDE;
        const a = a0 + 2 * p, i = t * N + a;
          let kx = v128.load(s, 0);
          let ky = v128.load(s, 16);
          let sx = v128.load(s, 32);
          let sy = v128.load(s, 48);
          let sxx = v128.load(s, 64);
          let syy = v128.load(s, 80);
          let sxy = v128.load(s, 96);
          let nan = v128.load(s, 112);
          let rx = v128.load(s, 128);
          let ry = v128.load(s, 144);
          let px = v128.load(s, 160);
          let py = v128.load(s, 176);
          const vx = ldv(xp, i);
          // run lengths: eq with the previous value (NaN previous -> false, so t = 0 needs no test)
          const okx = f64x2.eq(vx, vx);
          rx = v128.bitselect(f64x2.add(rx, ONE), v128.and(ONE, okx), f64x2.eq(vx, px));
          px = vx;
          let vy = vx, both = okx;
          if (!single) {
            vy = ldv(yp, i);
            const oky = f64x2.eq(vy, vy);
            ry = v128.bitselect(f64x2.add(ry, ONE), v128.and(ONE, oky), f64x2.eq(vy, py));
            py = vy;
            both = v128.and(okx, oky);
          }
          if (phase == 0) {
            const t0 = t - d + 1 > 0 ? t - d + 1 : 0;
            // shift references: the most recent bar of the window where x and y are both present, per lane (0 if none)
            let found = f64x2.splat(0);
            kx = ZERO; ky = ZERO;
            for (let u = t, j = i; u >= t0; u--, j -= N) {
              const wx = ldv(xp, j), wy = ldv(yp, j);
              const ok = v128.and(f64x2.eq(wx, wx), f64x2.eq(wy, wy));
              const fresh = v128.andnot(ok, found);
              kx = v128.bitselect(wx, kx, fresh); ky = v128.bitselect(wy, ky, fresh);
              found = v128.or(found, ok);
              if (i64x2.all_true(found)) break;
            }
            sx = ZERO; sy = ZERO; sxx = ZERO; syy = ZERO; sxy = ZERO; nan = ZERO;
            if (single) {
              for (let j = t0 * N + a; j <= i; j += N) {
                const wx = ldv(xp, j);
                const ok = f64x2.eq(wx, wx);
                const dx = v128.and(f64x2.sub(wx, kx), ok);
                sx = f64x2.add(sx, dx); sxx = f64x2.add(sxx, f64x2.mul(dx, dx));
                nan = f64x2.add(nan, v128.andnot(ONE, ok));
              }
            } else {
              for (let j = t0 * N + a; j <= i; j += N) {
                const wx = ldv(xp, j), wy = ldv(yp, j);
                const ok = v128.and(f64x2.eq(wx, wx), f64x2.eq(wy, wy));
                const dx = v128.and(f64x2.sub(wx, kx), ok), dy = v128.and(f64x2.sub(wy, ky), ok);
                sx = f64x2.add(sx, dx); sy = f64x2.add(sy, dy);
                sxx = f64x2.add(sxx, f64x2.mul(dx, dx)); syy = f64x2.add(syy, f64x2.mul(dy, dy)); sxy = f64x2.add(sxy, f64x2.mul(dx, dy));
                nan = f64x2.add(nan, v128.andnot(ONE, ok));
              }
            }
          } else {
            const dx = v128.and(f64x2.sub(vx, kx), both);
            sx = f64x2.add(sx, dx); sxx = f64x2.add(sxx, f64x2.mul(dx, dx));
            let dy = ZERO;
            if (!single) {
              dy = v128.and(f64x2.sub(vy, ky), both);
              sy = f64x2.add(sy, dy); syy = f64x2.add(syy, f64x2.mul(dy, dy)); sxy = f64x2.add(sxy, f64x2.mul(dx, dy));
            }
            nan = f64x2.add(nan, v128.andnot(ONE, both));
            if (t >= d) {
              const ox = ldv(xp, i - d * N);
              let oboth = f64x2.eq(ox, ox);
              let oy = ox;
              if (!single) { oy = ldv(yp, i - d * N); oboth = v128.and(oboth, f64x2.eq(oy, oy)); }
              const ex = v128.and(f64x2.sub(ox, kx), oboth);
              const ex2 = f64x2.mul(ex, ex);
              sx = f64x2.sub(sx, ex); sxx = f64x2.sub(sxx, ex2);
              let guard = f64x2.gt(ex2, f64x2.mul(K3, sxx));
              if (!single) {
                const ey = v128.and(f64x2.sub(oy, ky), oboth);
                const ey2 = f64x2.mul(ey, ey);
                sy = f64x2.sub(sy, ey); syy = f64x2.sub(syy, ey2); sxy = f64x2.sub(sxy, f64x2.mul(ex, ey));
                guard = v128.or(guard, f64x2.gt(ey2, f64x2.mul(K3, syy)));
              }
              nan = f64x2.sub(nan, v128.andnot(ONE, oboth));
              guard = v128.and(guard, oboth);
              if (v128.any_true(guard)) {
                if (i64x2.extract_lane(guard, 0) != 0) {
                  guardLane(xp, yp, N, t, d, a, f64x2.extract_lane(kx, 0), f64x2.extract_lane(ky, 0), single, G);
                  sx = f64x2.replace_lane(sx, 0, load<f64>(G)); sy = f64x2.replace_lane(sy, 0, load<f64>(G, 8));
                  sxx = f64x2.replace_lane(sxx, 0, load<f64>(G, 16)); syy = f64x2.replace_lane(syy, 0, load<f64>(G, 24));
                  sxy = f64x2.replace_lane(sxy, 0, load<f64>(G, 32));
                }
                if (i64x2.extract_lane(guard, 1) != 0) {
                  guardLane(xp, yp, N, t, d, a + 1, f64x2.extract_lane(kx, 1), f64x2.extract_lane(ky, 1), single, G);
                  sx = f64x2.replace_lane(sx, 1, load<f64>(G)); sy = f64x2.replace_lane(sy, 1, load<f64>(G, 8));
                  sxx = f64x2.replace_lane(sxx, 1, load<f64>(G, 16)); syy = f64x2.replace_lane(syy, 1, load<f64>(G, 24));
                  sxy = f64x2.replace_lane(sxy, 1, load<f64>(G, 32));
                }
              }
            }
          }
          if (t < d - 1) stv(outp, i, NANV);
          else {
            const cx = f64x2.ge(rx, D);
            let v: v128;
            if (mode == STD) {
              const q = f64x2.div(f64x2.sub(sxx, f64x2.div(f64x2.mul(sx, sx), D)), D1);
              // !(q > 0) or constant window -> 0
              v = v128.and(f64x2.sqrt(q), v128.andnot(f64x2.gt(q, ZERO), cx));
            } else if (mode == COV) {
              const cy = f64x2.ge(ry, D);
              v = v128.andnot(f64x2.div(f64x2.sub(sxy, f64x2.div(f64x2.mul(sx, sy), D)), D1), v128.or(cx, cy));
            } else {
              const cy = f64x2.ge(ry, D);
              const qx = f64x2.sub(sxx, f64x2.div(f64x2.mul(sx, sx), D)), qy = f64x2.sub(syy, f64x2.div(f64x2.mul(sy, sy), D));
              const good = v128.andnot(v128.and(f64x2.gt(qx, ZERO), f64x2.gt(qy, ZERO)), v128.or(cx, cy));
              let r = f64x2.div(f64x2.sub(sxy, f64x2.div(f64x2.mul(sx, sy), D)), f64x2.sqrt(f64x2.mul(qx, qy)));
              r = v128.bitselect(ONE, v128.bitselect(MONE, r, f64x2.lt(r, MONE)), f64x2.gt(r, ONE));
              v = v128.bitselect(r, NANV, good);
            }
            // non-finite -> NaN; a window holding a NaN -> NaN
            const keep = v128.and(f64x2.eq(f64x2.sub(v, v), ZERO), f64x2.eq(nan, ZERO));
            stv(outp, i, v128.bitselect(v, NANV, keep));
          }
          v128.store(s, kx, 0);
          v128.store(s, ky, 16);
          v128.store(s, sx, 32);
          v128.store(s, sy, 48);
          v128.store(s, sxx, 64);
          v128.store(s, syy, 80);
          v128.store(s, sxy, 96);
          v128.store(s, nan, 112);
          v128.store(s, rx, 128);
          v128.store(s, ry, 144);
          v128.store(s, px, 160);
          v128.store(s, py, 176);
      }
    }
  }
  if (a0 < N) momentsSimdFrom(xp, yp, outp, T, N, d, mode, a0);
}

/**
 * Date-major (x[t * N + a]) -> pair-interleaved layout: pair p = assets 2p,
 * 2p + 1 holds its T dates contiguously as [x(t, 2p), x(t, 2p + 1)] at
 * f64 index p * 2T + 2t. An odd last asset is paired with a NaN lane. Tiled
 * (64 dates x 16 pairs) to limit cache and TLB misses of the strided side.
 */
export function toPairs(src: usize, dst: usize, T: i32, N: i32): void {
  const P = (N + 1) >> 1, full = N >> 1;
  for (let t0: i32 = 0; t0 < T; t0 += 64) {
    const t1 = t0 + 64 < T ? t0 + 64 : T;
    for (let p0: i32 = 0; p0 < P; p0 += 16) {
      const p1 = p0 + 16 < P ? p0 + 16 : P;
      for (let t = t0; t < t1; t++) {
        for (let p = p0; p < p1; p++) {
          const o = p * 2 * T + 2 * t;
          if (p < full) stv(dst, o, ldv(src, t * N + 2 * p));
          else { st(dst, o, ld(src, t * N + 2 * p)); st(dst, o + 1, NaN); }
        }
      }
    }
  }
}

/** Inverse of toPairs (the NaN pad lane of an odd N is dropped). */
export function fromPairs(src: usize, dst: usize, T: i32, N: i32): void {
  const P = (N + 1) >> 1, full = N >> 1;
  for (let t0: i32 = 0; t0 < T; t0 += 64) {
    const t1 = t0 + 64 < T ? t0 + 64 : T;
    for (let p0: i32 = 0; p0 < P; p0 += 16) {
      const p1 = p0 + 16 < P ? p0 + 16 : P;
      for (let t = t0; t < t1; t++) {
        for (let p = p0; p < p1; p++) {
          const o = p * 2 * T + 2 * t;
          if (p < full) stv(dst, t * N + 2 * p, ldv(src, o));
          else st(dst, t * N + 2 * p, ld(src, o));
        }
      }
    }
  }
}

/**
 * momentsSimd on the pair-interleaved layout of toPairs (P = ceil(N / 2)
 * pairs): each pair is a 2-asset panel with contiguous dates, so every load
 * is sequential. Same per-lane arithmetic as momentsSimd.
 */
export function momentsPairs(xp: usize, yp: usize, outp: usize, T: i32, N: i32, d: i32, mode: i32): void {
  const P = (N + 1) >> 1;
  const stride = <usize>T << 4;
  for (let p: i32 = 0; p < P; p++) {
    const off = <usize>p * stride;
    momentsSimdFrom(xp + off, yp + off, outp + off, T, 2, d, mode, 0);
  }
}

/** The scalar port on the pair-interleaved layout (to separate the layout's gain from SIMD's). */
export function momentsPairsScalar(xp: usize, yp: usize, outp: usize, T: i32, N: i32, d: i32, mode: i32): void {
  const P = (N + 1) >> 1;
  const stride = <usize>T << 4;
  for (let p: i32 = 0; p < P; p++) {
    const off = <usize>p * stride;
    momentsAsset(xp + off, yp + off, outp + off, T, 2, d, mode, 0);
    momentsAsset(xp + off, yp + off, outp + off, T, 2, d, mode, 1);
  }
}

/**
 * Cross-sectional unit ranks (lib/expr csRank): per date, over assets with a
 * value, the average 0-based rank of each tie run [i, j) of the ascending
 * order, ((i + j - 1) * 0.5) / (m - 1); m = 1 gives 0.5; NaN stays NaN. Ties
 * are equal values (-0 = +0), so the result does not depend on the sort: here
 * an LSD radix sort of the values' order-preserving 64-bit keys, 8 passes of
 * 8 bits with all 8 histograms counted in one read, a pass skipped when one
 * bucket holds the whole row. `scratch`: 8 KB + 24 N bytes.
 */
export function rankUnit(xp: usize, outp: usize, T: i32, N: i32, scratch: usize): void {
  const hist = scratch; // 8 x 256 u32
  const k0 = scratch + 8192, k1 = k0 + (<usize>N << 3);
  const i0 = k1 + (<usize>N << 3), i1 = i0 + (<usize>N << 2);
  for (let t: i32 = 0; t < T; t++) {
    const row = t * N;
    memory.fill(hist, 0, 8192);
    let m: i32 = 0;
    for (let a: i32 = 0; a < N; a++) {
      const v = ld(xp, row + a);
      if (v != v) { st(outp, row + a, NaN); continue; }
      const b = reinterpret<u64>(v);
      const key = (b >> 63) != 0 ? ~b : b | (<u64>1 << 63);
      store<u64>(k0 + (<usize>m << 3), key);
      store<i32>(i0 + (<usize>m << 2), a);
      for (let p: i32 = 0; p < 8; p++) {
        const h = hist + (<usize>p << 10) + (<usize>((key >> (<u64>p << 3)) & 255) << 2);
        store<u32>(h, load<u32>(h) + 1);
      }
      m++;
    }
    if (m == 0) continue;
    if (m == 1) { st(outp, row + load<i32>(i0), 0.5); continue; }
    let ka = k0, kb = k1, ia = i0, ib = i1;
    for (let p: i32 = 0; p < 8; p++) {
      const hp = hist + (<usize>p << 10);
      const sh = <u64>p << 3;
      // skip a pass whose digit is the same for the whole row
      if (load<u32>(hp + (<usize>((load<u64>(ka) >> sh) & 255) << 2)) == <u32>m) continue;
      let sum: u32 = 0;
      for (let c: i32 = 0; c < 256; c++) { const q = hp + (<usize>c << 2); const n = load<u32>(q); store<u32>(q, sum); sum += n; }
      for (let i: i32 = 0; i < m; i++) {
        const key = load<u64>(ka + (<usize>i << 3));
        const q = hp + (<usize>((key >> sh) & 255) << 2);
        const pos = load<u32>(q);
        store<u32>(q, pos + 1);
        store<u64>(kb + (<usize>pos << 3), key);
        store<i32>(ib + (<usize>pos << 2), load<i32>(ia + (<usize>i << 2)));
      }
      let tk = ka; ka = kb; kb = tk;
      let ti = ia; ia = ib; ib = ti;
    }
    // tie runs of equal values (-0 and +0 are adjacent in key order)
    const n1 = <f64>(m - 1);
    let i: i32 = 0;
    while (i < m) {
      const v = ld(xp, row + load<i32>(ia + (<usize>i << 2)));
      let j = i + 1;
      while (j < m && ld(xp, row + load<i32>(ia + (<usize>j << 2))) == v) j++;
      const r = (<f64>(i + j - 1) * 0.5) / n1;
      for (let k = i; k < j; k++) st(outp, row + load<i32>(ia + (<usize>k << 2)), r);
      i = j;
    }
  }
}

/** Element-wise a * b, non-finite -> NaN (lib/expr mul), scalar. */
export function mulScalar(ap: usize, bp: usize, outp: usize, n: i32): void {
  for (let i: i32 = 0; i < n; i++) { const v = ld(ap, i) * ld(bp, i); st(outp, i, v - v == 0 ? v : NaN); }
}

/** Element-wise a * b, non-finite -> NaN, f64x2. */
export function mulSimd(ap: usize, bp: usize, outp: usize, n: i32): void {
  const ZERO = f64x2.splat(0), NANV = f64x2.splat(NaN);
  let i: i32 = 0;
  for (; i + 1 < n; i += 2) {
    const v = f64x2.mul(ldv(ap, i), ldv(bp, i));
    stv(outp, i, v128.bitselect(v, NANV, f64x2.eq(f64x2.sub(v, v), ZERO)));
  }
  for (; i < n; i++) { const v = ld(ap, i) * ld(bp, i); st(outp, i, v - v == 0 ? v : NaN); }
}

/** Element-wise a / b, non-finite -> NaN (lib/expr div), f64x2. */
export function divSimd(ap: usize, bp: usize, outp: usize, n: i32): void {
  const ZERO = f64x2.splat(0), NANV = f64x2.splat(NaN);
  let i: i32 = 0;
  for (; i + 1 < n; i += 2) {
    const v = f64x2.div(ldv(ap, i), ldv(bp, i));
    stv(outp, i, v128.bitselect(v, NANV, f64x2.eq(f64x2.sub(v, v), ZERO)));
  }
  for (; i < n; i++) { const v = ld(ap, i) / ld(bp, i); st(outp, i, v - v == 0 ? v : NaN); }
}
