import { asFloat64, identity } from './arrays.js';

/**
 * M4 and min-max decimation on typed arrays (Jugel et al., "M4: A
 * Visualization-Oriented Time Series Data Aggregation", VLDB 2014), returning
 * the indices they keep.
 *
 * The x range [xMin, xMax] (default: the first and last x) is split into
 * `width` equal pixel columns; the column of x is
 * `Math.floor((x - xMin) * (width / (xMax - xMin)))`, with x = xMax in the
 * last column. Per column, M4 keeps the first, last, minimum-y and maximum-y
 * points, which is enough to draw the column's line exactly as the full data
 * would at that width; min-max keeps only the extremes, which is enough for
 * the envelope. `xs` must be sorted ascending.
 *
 * Non-finite y values (NaN, ±Inf) are never the minimum or maximum. A column
 * holding only non-finite values keeps its first point (M4 also its last), so
 * the gap can still be drawn; one NaN among finite values in a column is
 * narrower than a pixel and is dropped. On ties the first index wins.
 *
 * Output: distinct indices in increasing order, at most 4 × width (M4) or
 * 2 × width (min-max). Points with x outside [xMin, xMax] are left out;
 * widen the range to keep a neighbour on each side. Every index is returned
 * when width is not positive or the data has no more points than columns; none
 * when xMax < xMin.
 */
export function m4Indices(xs: ArrayLike<number>, ys: ArrayLike<number>, width: number, xMin?: number, xMax?: number): Uint32Array {
  return byColumn(xs, ys, width, xMin, xMax, true);
}

/** The minimum and maximum of each pixel column; see {@link m4Indices} for the rules. */
export function minMaxIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, width: number, xMin?: number, xMax?: number): Uint32Array {
  return byColumn(xs, ys, width, xMin, xMax, false);
}

function byColumn(xsIn: ArrayLike<number>, ysIn: ArrayLike<number>, width: number, xMin: number | undefined, xMax: number | undefined, ends: boolean): Uint32Array {
  const n = Math.min(xsIn.length, ysIn.length);
  const columns = Math.floor(width);
  if (!(columns > 0) || n <= columns) return identity(n);
  const xs = asFloat64(xsIn);
  const ys = asFloat64(ysIn);
  const x0 = xMin ?? xs[0];
  const x1 = xMax ?? xs[n - 1];
  if (!(x1 >= x0)) return new Uint32Array(0);
  // All x equal: one column holds them all.
  const scale = x1 > x0 ? columns / (x1 - x0) : 0;
  const last = columns - 1;
  const columnOf = (x: number) => Math.min(last, Math.floor((x - x0) * scale));

  const out = new Uint32Array((ends ? 4 : 2) * columns);
  let k = 0;
  let i = firstIndexAbove(xs, 0, n, (x) => x >= x0);
  const stop = firstIndexAbove(xs, i, n, (x) => x > x1);
  const perColumn = Math.max(1, Math.floor((stop - i) / columns));
  while (i < stop) {
    const column = columnOf(xs[i]);
    const end = columnEnd(xs, i, stop, perColumn, (x) => columnOf(x) > column);

    let lo = Infinity;
    let hi = -Infinity;
    let minIndex = -1;
    let maxIndex = -1;
    // Comparisons with NaN are false, so only ±Inf needs the finiteness test,
    // and only on the rare new-extreme branch. Four points per iteration because
    // TurboFan re-checks a typed array's map, length and data pointer on every
    // iteration rather than hoisting them.
    let j = i;
    for (; j + 3 < end; j += 4) {
      const y0 = ys[j];
      const y1 = ys[j + 1];
      const y2 = ys[j + 2];
      const y3 = ys[j + 3];
      if (y0 < lo || y1 < lo || y2 < lo || y3 < lo) {
        if (y0 < lo && Number.isFinite(y0)) { lo = y0; minIndex = j; }
        if (y1 < lo && Number.isFinite(y1)) { lo = y1; minIndex = j + 1; }
        if (y2 < lo && Number.isFinite(y2)) { lo = y2; minIndex = j + 2; }
        if (y3 < lo && Number.isFinite(y3)) { lo = y3; minIndex = j + 3; }
      }
      if (y0 > hi || y1 > hi || y2 > hi || y3 > hi) {
        if (y0 > hi && Number.isFinite(y0)) { hi = y0; maxIndex = j; }
        if (y1 > hi && Number.isFinite(y1)) { hi = y1; maxIndex = j + 1; }
        if (y2 > hi && Number.isFinite(y2)) { hi = y2; maxIndex = j + 2; }
        if (y3 > hi && Number.isFinite(y3)) { hi = y3; maxIndex = j + 3; }
      }
    }
    for (; j < end; j++) {
      const y = ys[j];
      if (y < lo && Number.isFinite(y)) { lo = y; minIndex = j; }
      if (y > hi && Number.isFinite(y)) { hi = y; maxIndex = j; }
    }

    // Emit in index order, skipping repeats: first <= extremes <= last.
    let previous = -1;
    if (ends || minIndex < 0) out[k++] = previous = i;
    if (minIndex >= 0) {
      const a = minIndex < maxIndex ? minIndex : maxIndex;
      const b = minIndex < maxIndex ? maxIndex : minIndex;
      if (a !== previous) out[k++] = previous = a;
      if (b !== previous) out[k++] = previous = b;
    }
    if (ends && end - 1 !== previous) out[k++] = end - 1;
    i = end;
  }
  return out.slice(0, k);
}

/**
 * First index in [from, to) whose x satisfies `past` (a predicate that, on
 * sorted xs, is false and then true), or `to`. Binary search.
 */
function firstIndexAbove(xs: Float64Array, from: number, to: number, past: (x: number) => boolean): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(xs[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * End of the column starting at `from`: gallops from the expected column size
 * then bisects, so finding a column costs O(log size) rather than a comparison
 * per point, and an empty stretch of x costs nothing.
 */
function columnEnd(xs: Float64Array, from: number, to: number, guess: number, past: (x: number) => boolean): number {
  let known = from; // past() is false here
  let step = guess;
  while (known + step < to && !past(xs[known + step])) {
    known += step;
    step *= 2;
  }
  return firstIndexAbove(xs, known + 1, Math.min(to, known + step), past);
}
